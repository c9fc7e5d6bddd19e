// The runner's defences against false verdicts: refused versions are reported (and fail the run
// unless refused as unsupported), a broker that stops answering ends the run instead of passing
// close-expecting cases, waivers excuse only the deviation they describe, and a case that fails only
// under concurrency is reported unstable.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <mutex>
#include <thread>

#include <atomic>

#include "fake_broker.hpp"
#include "mqttspec/conformance/report.hpp"
#include "mqttspec/conformance/statements.hpp"

namespace mqttspec::conformance {
namespace {

using testing::fake_broker;
using testing::fake_session;

// CONNACK 0 for `accepted_v5`/3.1.1, PINGRESP for every PINGREQ, until the client leaves.
void serve_until_disconnect(fake_session& s) {
    for (;;) {
        std::vector<std::uint8_t> p;
        try {
            p = s.read_packet();
        } catch (const std::exception&) {
            return;
        }
        if (p[0] == 0xC0) s.send_hex("d0 00");
        if (p[0] == 0xE0) return;
    }
}

// The client identifier of a CONNECT (MQTT 3.1.1 and 5.0 layouts).
std::string client_id_of(const std::vector<std::uint8_t>& connect) {
    std::size_t i = 1;
    while (connect[i] & 0x80) ++i;
    ++i;                     // past the Remaining Length
    i += 2 + 4;              // protocol name
    const auto level = connect[i];
    i += 1 + 1 + 2;          // level, flags, keep alive
    if (level == 5) {        // property length (one byte in these tests) and properties
        i += 1 + connect[i];
    }
    const std::size_t n = (connect[i] << 8) | connect[i + 1];
    return std::string(connect.begin() + static_cast<long>(i + 2), connect.begin() + static_cast<long>(i + 2 + n));
}

case_def synthetic_case(std::string id, std::function<void(case_context&)> body, std::vector<std::string> statements = {"MQTT-3.3.4-1"}) {
    case_info info;
    info.id = std::move(id);
    info.title = "synthetic";
    info.statements = std::move(statements);
    return {validated(info, "test"), std::move(body)};
}

run_options options_for(const fake_broker& broker) {
    run_options o;
    o.where = broker.where();
    o.base_timeout = std::chrono::milliseconds(700);
    o.jobs = 2;
    return o;
}

const statement_inventory& inventory() {
    static const auto inv = load_statements(fixtures_dir());
    return inv;
}

// ---- refused versions ----------------------------------------------------------------------------

TEST(Probe, Refusal311StyleOfVersion5IsUnsupported) {
    fake_broker broker([](fake_session& s) {
        if (s.expect_connect() == codec::protocol_version::v5) {
            s.send_hex("20 02 00 01");  // what a 3.1.1-only broker must answer (3.1.1 MQTT-3.1.2-2)
            s.close();
            return;
        }
        s.send_hex("20 02 00 00");
        serve_until_disconnect(s);
    });
    const std::vector<case_def> cases{synthetic_case("v311/test/ok", [](case_context&) {})};
    const auto s = run_suite(options_for(broker), cases, inventory());
    ASSERT_EQ(s.refused.size(), 1u);
    EXPECT_EQ(s.refused[0].version, codec::protocol_version::v5);
    EXPECT_TRUE(s.refused[0].unsupported);
    EXPECT_FALSE(s.refused[0].fails_run);
    EXPECT_EQ(s.exit_code(), 0);
    std::string console;
    {
        char* buffer = nullptr;
        std::size_t size = 0;
        std::FILE* f = open_memstream(&buffer, &size);
        write_console(f, s, {});
        std::fclose(f);
        console.assign(buffer, size);
        std::free(buffer);
    }
    EXPECT_NE(console.find("MQTT 5 refused by the broker"), std::string::npos) << console;
    EXPECT_EQ(to_json_report(s)["refused_versions"].size(), 1u);
}

TEST(Probe, AnyOtherRefusalFailsARunOfEveryVersion) {
    // A malformed 3.1.1 CONNACK: before, 3.1.1 dropped out of the run and the run was green.
    fake_broker broker([](fake_session& s) {
        if (s.expect_connect() == codec::protocol_version::v3_1_1) {
            s.send_hex("20 03 00 00 00");
            s.close();
            return;
        }
        s.send_hex("20 03 00 00 00");
        serve_until_disconnect(s);
    });
    const std::vector<case_def> cases{synthetic_case("v5/test/ok", [](case_context&) {})};
    auto s = run_suite(options_for(broker), cases, inventory());
    ASSERT_EQ(s.refused.size(), 1u);
    EXPECT_EQ(s.refused[0].version, codec::protocol_version::v3_1_1);
    EXPECT_FALSE(s.refused[0].unsupported);
    EXPECT_TRUE(s.refused[0].fails_run);
    EXPECT_EQ(s.exit_code(), 1);
    EXPECT_NE(to_junit(s).find("<failure message=\"refused: "), std::string::npos);

    // Asking for 5.0 only: the 3.1.1 refusal is reported, not held against the broker.
    auto only5 = options_for(broker);
    only5.versions = {codec::protocol_version::v5};
    s = run_suite(only5, cases, inventory());
    ASSERT_EQ(s.refused.size(), 1u);
    EXPECT_FALSE(s.refused[0].fails_run);
    EXPECT_EQ(s.exit_code(), 0);
}

// ---- a broker that stops answering -----------------------------------------------------------------

TEST(Liveness, CrashAfterAMalformedPacketIsNotAConformingClose) {
    // Serves the probe, "crashes" on the case's connection (closes it: what the case expects), and is
    // gone for every later client.
    std::atomic<bool> crashed{false};
    fake_broker broker([&](fake_session& s) {
        const auto connect = s.read_packet();
        if (crashed) {
            s.close();
            return;
        }
        const bool v5 = connect.at(8) == 5;
        s.send_hex(v5 ? "20 03 00 00 00" : "20 02 00 00");
        if (client_id_of(connect).find("probe") != std::string::npos) {
            serve_until_disconnect(s);
            return;
        }
        s.read_packet();  // the malformed packet
        crashed = true;
        s.close();
    });
    std::vector<case_def> cases;
    cases.push_back(synthetic_case("v5/test/a-closes", [](case_context& t) {
        auto& c = t.connect("c");
        c.send_raw(codec::from_hex("f0 00"));  // anything
        c.expect_closed();
    }));
    for (int i = 0; i < 6; ++i) cases.push_back(synthetic_case("v5/test/later-" + std::to_string(i), [](case_context& t) { t.connect("c"); }));
    auto o = options_for(broker);
    o.jobs = 1;
    o.versions = {codec::protocol_version::v5};
    const auto s = run_suite(o, cases, inventory());
    EXPECT_NE(s.broker_down.find("two new clients in a row: the CONNECT was answered by closing the connection ("), std::string::npos)
        << s.broker_down;
    EXPECT_NE(s.broker_down.find("), both (first noticed after v5/test/a-closes)"), std::string::npos) << s.broker_down;
    EXPECT_EQ(s.exit_code(), 2);
    EXPECT_EQ(s.count(verdict::passed), 0u);
    EXPECT_EQ(s.count(verdict::failed), 0u);  // no wall of false failures
    EXPECT_EQ(s.count(verdict::error), 1u);   // the case after which it stopped answering
    EXPECT_EQ(s.count(verdict::not_run), 6u);
}

TEST(Liveness, OneLostProbeConnectionIsNotABrokerDown) {
    // The first liveness client's CONNECT goes unanswered (a connection lost in a loaded machine's
    // backlog); the second is served. The broker is alive: the case's verdict stands. Takes the probe's
    // patience once (10 s).
    std::atomic<int> live_probes{0};
    fake_broker broker([&](fake_session& s) {
        const auto id = client_id_of(s.read_packet());
        const bool liveness = id.find("-live-") != std::string::npos;
        if (liveness && live_probes++ == 0) {
            s.wait_for_close();
            return;
        }
        s.send_hex("20 03 00 00 00");
        if (liveness || id.find("probe") != std::string::npos) {
            serve_until_disconnect(s);
            return;
        }
        s.read_packet();
        s.close();
    });
    std::vector<case_def> cases;
    cases.push_back(synthetic_case("v5/test/a-closes", [](case_context& t) {
        auto& c = t.connect("c");
        c.send_raw(codec::from_hex("f0 00"));
        c.expect_closed();
    }));
    auto o = options_for(broker);
    o.versions = {codec::protocol_version::v5};
    const auto s = run_suite(o, cases, inventory());
    EXPECT_TRUE(s.broker_down.empty()) << s.broker_down;
    EXPECT_EQ(live_probes.load(), 2);
    EXPECT_EQ(s.count(verdict::passed), 1u);
    EXPECT_EQ(s.exit_code(), 0);
}

// ---- waivers -------------------------------------------------------------------------------------

case_def failing_with(std::string message) {
    return synthetic_case("v5/test/w", [message](case_context& t) { t.fail(message, "exp", "act"); });
}

profile with_waiver(std::string statement, std::string observed) {
    profile p;
    waiver w;
    w.case_id = "v5/test/w";
    w.statement = std::move(statement);
    w.observed = std::move(observed);
    w.reason = "known";
    w.evidence = "seen";
    p.waivers.push_back(w);
    return p;
}

// A body's verdict must name one of the case's statements: otherwise coverage, --statement and
// waivers would not see it. The runner reports such a case as an error, not as a broker failure.
TEST(Verdicts, BodyCitingAStatementOutsideTheCaseIsAnError) {
    fake_broker broker([](fake_session& s) { s.wait_for_close(); });
    case_def c{case_info{.id = "v5/test/cites-elsewhere", .title = "t", .statements = {"MQTT-3.3.1-1"}},
               [](case_context& t) { t.check(false, "broken", "x", "y", "MQTT-3.8.4-7"); }};
    const auto r = run_case(c, fake_environment(broker), 0);
    EXPECT_EQ(r.result, verdict::error) << r.message;
    EXPECT_NE(r.message.find("MQTT-3.8.4-7"), std::string::npos) << r.message;
    case_def listed{c.info, [](case_context& t) { t.check(false, "broken", "x", "y", "MQTT-3.3.1-1"); }};
    EXPECT_EQ(run_case(listed, fake_environment(broker), 0).result, verdict::failed);
}

TEST(Waivers, ExcuseOnlyTheDescribedDeviation) {
    fake_broker broker([](fake_session&) {});
    auto env = testing::fake_environment(broker);
    env.prof = with_waiver("MQTT-3.3.4-1", "Receive Maximum exceeded");
    auto r = run_case(failing_with("Receive Maximum exceeded: 4 in flight"), env, 0);
    EXPECT_EQ(r.result, verdict::waived);
    r = run_case(failing_with("message m3 lost"), env, 0);  // same case, another failure
    EXPECT_EQ(r.result, verdict::failed);
    EXPECT_NE(r.message.find("not the deviation the profile waives"), std::string::npos);
    env.prof = with_waiver("MQTT-3.3.4-2", "Receive Maximum exceeded");  // another statement
    EXPECT_EQ(run_case(failing_with("Receive Maximum exceeded"), env, 0).result, verdict::failed);
}

TEST(Waivers, APassingCaseMakesTheWaiverStale) {
    fake_broker broker([](fake_session&) {});
    auto env = testing::fake_environment(broker);
    env.prof = with_waiver("MQTT-3.3.4-1", ".");
    const auto r = run_case(synthetic_case("v5/test/w", [](case_context&) {}), env, 0);
    EXPECT_EQ(r.result, verdict::passed);
    ASSERT_TRUE(r.stale_waiver.has_value());
    run_summary s;
    s.results.push_back(r);
    EXPECT_EQ(s.exit_code(), 0);
    s.strict_waivers = true;
    EXPECT_EQ(s.exit_code(), 1);
}

// A "*" waiver excuses its statement's failure in any case, after the case's own waiver; a pass never
// makes it stale; a failure of another statement stays a failure.
TEST(Waivers, AnyCaseWaiverExcusesItsStatementAnywhere) {
    fake_broker broker([](fake_session&) {});
    auto env = testing::fake_environment(broker);
    env.prof = with_waiver("MQTT-3.3.4-1", "Receive Maximum exceeded");
    waiver any;
    any.case_id = "*";
    any.statement = "MQTT-3.1.4-5";
    any.observed = "did not answer the CONNECT";
    any.reason = "race";
    any.evidence = "seen";
    any.intermittent = true;
    env.prof.waivers.push_back(any);
    const auto unanswered = [](case_context& t) { t.check(false, "the broker did not answer the CONNECT: nothing", "CONNACK", "nothing", "MQTT-3.1.4-5"); };
    case_def other{case_info{.id = "v5/test/other", .title = "t", .statements = {"MQTT-3.3.1-1"}}, unanswered};
    auto r = run_case(other, env, 0);
    EXPECT_EQ(r.result, verdict::error) << "a body may not cite a statement outside its case: " << r.message;
    // The engine's own CONNACK check may: the case's rule is not what broke.
    case_def engine{case_info{.id = "v5/test/other", .title = "t", .statements = {"MQTT-3.3.1-1"}}, [](case_context&) {
                        throw case_failure("the broker did not answer the CONNECT: nothing within 4000 ms", "CONNACK", "nothing", "MQTT-3.1.4-5");
                    }};
    r = run_case(engine, env, 0);
    EXPECT_EQ(r.result, verdict::waived) << r.message;
    ASSERT_TRUE(r.applied_waiver.has_value());
    EXPECT_EQ(r.applied_waiver->case_id, "*");
    // The case's own waiver still applies first; the any-case one does not excuse its deviation.
    EXPECT_EQ(run_case(failing_with("Receive Maximum exceeded"), env, 0).result, verdict::waived);
    EXPECT_EQ(run_case(failing_with("message m3 lost"), env, 0).result, verdict::failed);
    // A pass: not stale.
    r = run_case(synthetic_case("v5/test/passes", [](case_context&) {}), env, 0);
    EXPECT_EQ(r.result, verdict::passed);
    EXPECT_FALSE(r.stale_waiver.has_value());
    // Not over a transport it does not name.
    env.prof.waivers.back().transports = {"ws"};
    EXPECT_EQ(run_case(engine, env, 0).result, verdict::failed);
}

TEST(Waivers, UnknownCaseOrStatementIsAProfileError) {
    const std::vector<case_def> cases{failing_with("x")};
    auto p = with_waiver("MQTT-3.3.4-1", "x");
    p.file = "my-profile.json";
    EXPECT_NO_THROW(check_waivers(p, cases, inventory()));
    p.waivers[0].case_id = "v5/test/typo";
    try {
        check_waivers(p, cases, inventory());
        FAIL() << "a waiver for a case that does not exist was accepted";
    } catch (const profile_error& e) {
        EXPECT_EQ(e.field, "waivers[0].case");
        EXPECT_NE(std::string(e.what()).find("my-profile.json"), std::string::npos);
    }
    // A case renamed when its 3.1.1 and 5.0 twins got one name: the error gives the new ID.
    p.waivers[0].case_id = "v311/subscribe/resubscribe-replaces";
    try {
        check_waivers(p, cases, inventory());
        FAIL() << "a waiver for a renamed case was accepted";
    } catch (const profile_error& e) {
        EXPECT_NE(std::string(e.what()).find("renamed to 'v311/subscribe/identical-filter-replaces'"), std::string::npos)
            << e.what();
    }
    // Any case: the statement must exist in one of the versions.
    p.waivers[0].case_id = "*";
    p.waivers[0].statement = "MQTT-3.1.4-5";
    EXPECT_NO_THROW(check_waivers(p, cases, inventory()));
    p.waivers[0].statement = "MQTT-9.9.9-9";
    try {
        check_waivers(p, cases, inventory());
        FAIL() << "an any-case waiver for a statement that does not exist was accepted";
    } catch (const profile_error& e) {
        EXPECT_EQ(e.field, "waivers[0].statement");
    }
    p.waivers[0].case_id = "v5/test/w";
    p.waivers[0].statement = "MQTT-9.9.9-9";
    try {
        check_waivers(p, cases, inventory());
        FAIL() << "a waiver for a statement the case does not check was accepted";
    } catch (const profile_error& e) {
        EXPECT_EQ(e.field, "waivers[0].statement");
    }
}

// ---- unstable -----------------------------------------------------------------------------------

// "v5/test/flaky" fails with `message` and `actual` the first time it runs (counted in `runs`) and
// passes after; "v5/test/broken" fails with `broken_message` and `actual` every time.
std::vector<case_def> flaky_and_broken(std::atomic<int>& runs, std::string message, std::string broken_message, std::string actual) {
    return {
        synthetic_case("v5/test/flaky", [&runs, message, actual](case_context& t) {
            if (runs++ == 0) t.fail(message, "m1", actual);
        }),
        synthetic_case("v5/test/broken", [broken_message, actual](case_context& t) { t.fail(broken_message, "m1", actual); }),
    };
}

void serve_connects(fake_session& s) {
    s.accept_connect();
    serve_until_disconnect(s);
}

TEST(Rerun, FailingOnlyUnderConcurrencyIsUnstable) {
    fake_broker broker(serve_connects);
    std::atomic<int> runs{0};
    const auto cases = flaky_and_broken(runs, "lost under load", "always", "nothing");
    auto o = options_for(broker);
    o.versions = {codec::protocol_version::v5};
    auto s = run_suite(o, cases, inventory());
    ASSERT_EQ(s.results.size(), 2u);
    EXPECT_EQ(s.results[0].info.id, "v5/test/broken");
    EXPECT_EQ(s.results[0].result, verdict::failed);
    EXPECT_EQ(s.results[0].rerun, verdict::failed);
    EXPECT_EQ(s.results[1].result, verdict::unstable);
    EXPECT_EQ(s.results[1].rerun, verdict::passed);
    EXPECT_EQ(s.exit_code(), 1);
    EXPECT_NE(summary_line(s).find("1 unstable"), std::string::npos);

    runs = 0;
    o.rerun_failures = false;
    s = run_suite(o, cases, inventory());
    EXPECT_EQ(s.results[1].result, verdict::failed);
    EXPECT_FALSE(s.results[1].rerun.has_value());
}

// A race waiver ("case": "*", "statement": "*") excuses a failure only once the case passed alone;
// the same evidence from a case that fails alone too stays a failure.
TEST(Rerun, ARaceWaiverExcusesOnlyWhatPassedAlone) {
    fake_broker broker(serve_connects);
    std::atomic<int> runs{0};
    const auto cases = flaky_and_broken(runs, "the broker did not close the connection", "the broker did not close the connection",
                                        "nothing (the connection stayed open)");
    auto o = options_for(broker);
    o.versions = {codec::protocol_version::v5};
    const auto dir = std::filesystem::temp_directory_path() / ("mqttspec-race-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    o.profile_file = dir / "race.json";
    std::ofstream(*o.profile_file) << R"json({"waivers": [{"case": "*", "statement": "*", "observed": "nothing \\(the connection stayed open\\)",
        "reason": "a race", "evidence": "seen", "intermittent": true}]})json";
    const auto s = run_suite(o, cases, inventory());
    std::filesystem::remove_all(dir);
    ASSERT_EQ(s.results.size(), 2u);
    EXPECT_EQ(s.results[0].info.id, "v5/test/broken");
    EXPECT_EQ(s.results[0].result, verdict::failed) << s.results[0].message;
    EXPECT_EQ(s.results[1].result, verdict::waived) << s.results[1].message;
    EXPECT_EQ(s.results[1].rerun, verdict::passed);
    EXPECT_EQ(s.exit_code(), 1);
}

// The re-runs of quick cases do not wait for the slow (timer) cases to end, and no quick case runs
// beside them: a slow case still waiting sees the re-run happen, and the re-run sees no quick case.
TEST(Rerun, QuickCasesAreReRunAloneDuringTheSlowTail) {
    fake_broker broker(serve_connects);
    std::mutex m;
    std::condition_variable changed;
    bool rerun_happened = false;
    int quick_running = 0, quick_running_beside_rerun = -1, runs_of_failing = 0;
    auto quick = [&](bool fails) {
        return [&, fails](case_context& t) {
            std::unique_lock lock(m);
            if (fails && runs_of_failing++ > 0) {
                quick_running_beside_rerun = quick_running;
                rerun_happened = true;
                changed.notify_all();
                return;
            }
            ++quick_running;
            lock.unlock();
            std::this_thread::yield();  // a moment of running beside the others
            lock.lock();
            --quick_running;
            lock.unlock();
            if (fails) t.fail("fails under load", "m1", "nothing");  // throws
        };
    };
    std::vector<case_def> cases{
        synthetic_case("v5/test/slow-timer",
                       [&](case_context& t) {
                           std::unique_lock lock(m);
                           // Bounded: without the overlap the re-run comes only after this case ends.
                           if (!changed.wait_for(lock, std::chrono::seconds(5), [&] { return rerun_happened; })) {
                               t.fail("the re-run waited for the slow case", "re-run before the slow case ends", "none");
                           }
                       }),
        synthetic_case("v5/test/quick-a", quick(false)),
        synthetic_case("v5/test/quick-b", quick(false)),
        synthetic_case("v5/test/quick-fails", quick(true)),
        synthetic_case("v5/test/quick-c", quick(false)),
    };
    cases[0].info.slow = true;
    auto o = options_for(broker);
    o.versions = {codec::protocol_version::v5};
    const auto s = run_suite(o, cases, inventory());
    ASSERT_EQ(s.results.size(), 5u);
    for (const auto& r : s.results) {
        if (r.info.id == "v5/test/slow-timer") {
            EXPECT_EQ(r.result, verdict::passed) << r.message;
        }
        if (r.info.id == "v5/test/quick-fails") {
            EXPECT_EQ(r.result, verdict::unstable) << r.message;
        }
    }
    EXPECT_EQ(quick_running_beside_rerun, 0);
}

}  // namespace
}  // namespace mqttspec::conformance

// ---- a timeout on a loaded broker is checked with a PINGREQ before it becomes a failure ------------

namespace mqttspec::conformance {
namespace {

// Connects a 5.0 client with `timeout` to `broker`, subscribed nowhere: the scripts below decide what
// follows the CONNACK.
struct connected_client {
    boost::asio::io_context io;
    transcript log;
    client c;
    connected_client(const testing::fake_broker& broker, std::chrono::milliseconds timeout)
        : c(io, broker.where(), client_options{.name = "c", .timeout = timeout}, &log) {
        c.open();
        codec::connect_packet connect;
        connect.protocol_level = 5;
        connect.client_id = "grace";
        EXPECT_EQ(c.handshake(connect).as_json.value("reason_code", -1), 0);
    }
};

void accept_v5(testing::fake_session& s) {
    s.expect_connect();
    s.send_hex("20 03 00 00 00");
}

// The broker is slow: the PUBLISH comes only after the client's timeout, and the PINGREQ is answered
// after 60 ms (a loaded broker, simulated by the delays). The expectation waits once more and gets it.
TEST(BusyBrokerGrace, ASlowBrokerIsWaitedFor) {
    testing::fake_broker broker([](testing::fake_session& s) {
        accept_v5(s);
        if (s.read_packet().at(0) != 0xC0) return;  // the client's PINGREQ after its timeout
        testing::broker_delay(std::chrono::milliseconds(60));
        s.send_hex("d0 00");
        testing::broker_delay(std::chrono::milliseconds(100));
        s.send_packet(codec::publish_packet{.topic = "late", .payload = "x"});
        s.wait_for_close();
    });
    connected_client cc(broker, std::chrono::milliseconds(400));
    const auto r = cc.c.expect(pattern(json{{"type", "PUBLISH"}, {"topic", "late"}}));
    EXPECT_EQ(r.as_json.value("topic", ""), "late");
    EXPECT_NE(cc.log.to_text().find("PINGREQ answered in"), std::string::npos) << cc.log.to_text();
}

// The broker answers the PINGREQ at once and never sends the packet: the failure comes after one
// timeout and the probe, not three.
TEST(BusyBrokerGrace, AnIdleBrokerFailsAtOnce) {
    testing::fake_broker broker([](testing::fake_session& s) {
        accept_v5(s);
        try {
            for (;;) {
                if (s.read_packet().at(0) == 0xC0) s.send_hex("d0 00");
            }
        } catch (const std::exception&) {
        }
    });
    connected_client cc(broker, std::chrono::milliseconds(2000));
    const auto start = std::chrono::steady_clock::now();
    try {
        cc.c.expect(pattern(json{{"type", "PUBLISH"}}));
        ADD_FAILURE() << "a PUBLISH that never came was accepted";
    } catch (const case_failure& f) {
        EXPECT_NE(std::string(f.what()).find("did not arrive within 2000 ms"), std::string::npos) << f.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000 * 2));
    EXPECT_NE(cc.log.to_text().find("not waiting longer"), std::string::npos) << cc.log.to_text();
}

// A broker that answers neither: one timeout for the packet, one for the PINGRESP, then the failure.
TEST(BusyBrokerGrace, ASilentBrokerFails) {
    testing::fake_broker broker([](testing::fake_session& s) {
        accept_v5(s);
        s.wait_for_close();
    });
    connected_client cc(broker, std::chrono::milliseconds(300));
    EXPECT_THROW(cc.c.expect(pattern(json{{"type", "PUBLISH"}})), case_failure);
    EXPECT_NE(cc.log.to_text().find("no PINGRESP"), std::string::npos) << cc.log.to_text();
}

// A PINGRESP a case left unconsumed is not the answer to a later barrier's PINGREQ: the barrier
// waits for its own, so a PUBLISH the broker sends before that answer is seen by expect_none.
TEST(Barrier, AnEarlierUnconsumedPingrespDoesNotEndIt) {
    testing::fake_broker broker([](testing::fake_session& s) {
        accept_v5(s);
        if (s.read_packet().at(0) != 0xC0) return;  // the case's own PINGREQ
        s.send_hex("d0 00");
        s.send_packet(codec::publish_packet{.topic = "marker", .payload = "x"});
        if (s.read_packet().at(0) != 0xC0) return;  // the barrier's
        testing::broker_delay(std::chrono::milliseconds(50));
        s.send_packet(codec::publish_packet{.topic = "unwanted", .payload = "x"});
        s.send_hex("d0 00");
        s.wait_for_close();
    });
    connected_client cc(broker, std::chrono::milliseconds(2000));
    cc.c.send(codec::pingreq_packet{});
    cc.c.expect(pattern(json{{"type", "PUBLISH"}, {"topic", "marker"}}));  // leaves the PINGRESP queued
    EXPECT_THROW(cc.c.expect_none(pattern(json{{"type", "PUBLISH"}, {"topic", "unwanted"}})), case_failure);
}

// No PINGREQ before a successful CONNACK: waiting for the CONNACK itself is never probed.
// A CONNACK that comes after the timeout (a loaded broker or machine: no PINGREQ can ask before it)
// is waited for once more; one that never comes fails after two timeouts, on the CONNACK.
TEST(BusyBrokerGrace, ALateConnackIsWaitedForOnce) {
    testing::fake_broker broker([](testing::fake_session& s) {
        s.expect_connect();
        testing::broker_delay(std::chrono::milliseconds(450));
        s.send_hex("20 03 00 00 00");
        s.wait_for_close();
    });
    connected_client cc(broker, std::chrono::milliseconds(300));
    EXPECT_NE(cc.log.to_text().find("no CONNACK within 300 ms; the standard sets no limit: waiting once more"), std::string::npos)
        << cc.log.to_text();
}

TEST(BusyBrokerGrace, ANeverAnsweredConnectFailsAfterTwoTimeouts) {
    testing::fake_broker broker([](testing::fake_session& s) {
        s.expect_connect();
        s.wait_for_close();
    });
    boost::asio::io_context io;
    client c(io, broker.where(), client_options{.name = "c", .timeout = std::chrono::milliseconds(200)}, nullptr);
    c.open();
    codec::connect_packet connect;
    connect.client_id = "never";
    try {
        c.handshake(connect);
        ADD_FAILURE() << "a CONNECT without CONNACK passed";
    } catch (const case_failure& f) {
        EXPECT_NE(f.message.find("the broker did not answer the CONNECT: "), std::string::npos) << f.message;
        EXPECT_NE(f.message.find("within 400 ms"), std::string::npos) << f.message;
        EXPECT_EQ(f.statement, "MQTT-3.1.4-5") << "charged to the CONNACK rule, not to the case's";
    }
    c.close();
}

TEST(BusyBrokerGrace, NoProbeBeforeTheConnack) {
    std::atomic<bool> pinged{false};
    testing::fake_broker broker([&](testing::fake_session& s) {
        s.expect_connect();
        try {
            if (s.read_packet().at(0) == 0xC0) pinged = true;
        } catch (const std::exception&) {
        }
    });
    boost::asio::io_context io;
    client c(io, broker.where(), client_options{.name = "c", .timeout = std::chrono::milliseconds(300)}, nullptr);
    c.open();
    codec::connect_packet connect;
    connect.client_id = "grace";
    EXPECT_THROW(c.handshake(connect), case_failure);
    c.close();
    EXPECT_FALSE(pinged);
}

}  // namespace
}  // namespace mqttspec::conformance
