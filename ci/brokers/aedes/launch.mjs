// Runs an in-memory aedes broker on loopback for the mqttspec CI (started by ci/lib/start-aedes).
//
//   node launch.mjs --ready-file FILE [--mqtt-port N] [--ws-port N]
//
// Ports default to 0 (the kernel picks free ones, so there is no race with other listeners). Once
// both listeners accept connections it writes MQTT_PORT, WS_PORT and BROKER_PID to FILE (written to a
// temporary name and renamed, so a reader never sees half of it). Stops on SIGTERM/SIGINT.
// (Not --env-file: Node 20 takes that option for itself even after the script name.)
import { createServer } from 'node:net'
import { createServer as createHttpServer } from 'node:http'
import { renameSync, writeFileSync } from 'node:fs'
import { Aedes } from 'aedes'
import { WebSocketServer, createWebSocketStream } from 'ws'

const options = { 'mqtt-port': '0', 'ws-port': '0', 'ready-file': '' }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i += 2) {
  const name = argv[i].replace(/^--/, '')
  if (!(name in options) || argv[i + 1] === undefined) {
    console.error(`launch.mjs: unknown or incomplete option ${argv[i]}`)
    process.exit(2)
  }
  options[name] = argv[i + 1]
}
if (!options['ready-file']) {
  console.error('launch.mjs: --ready-file is required')
  process.exit(2)
}

const listen = (server, port) => new Promise((resolve, reject) => {
  server.once('error', reject)
  server.listen(Number(port), '127.0.0.1', () => resolve(server.address().port))
})

const broker = await Aedes.createBroker()
const tcpServer = createServer(broker.handle)
const httpServer = createHttpServer()
const wsServer = new WebSocketServer({ server: httpServer })
wsServer.on('connection', (socket, request) => {
  broker.handle(createWebSocketStream(socket), request)
})

const mqttPort = await listen(tcpServer, options['mqtt-port'])
const wsPort = await listen(httpServer, options['ws-port'])

const readyFile = options['ready-file']
writeFileSync(`${readyFile}.tmp`, `MQTT_PORT=${mqttPort}\nWS_PORT=${wsPort}\nBROKER_PID=${process.pid}\n`)
renameSync(`${readyFile}.tmp`, readyFile)
console.log(`aedes listening on mqtt://127.0.0.1:${mqttPort} and ws://127.0.0.1:${wsPort}/mqtt`)

const stop = () => {
  wsServer.close()
  httpServer.close()
  tcpServer.close()
  broker.close(() => process.exit(0))
  // Open client connections keep the servers alive; do not wait for them.
  setTimeout(() => process.exit(0), 1000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
