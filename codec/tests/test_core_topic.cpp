// Topic names, filters, shared subscriptions and matching (4.7, 4.8.2).
#include <gtest/gtest.h>

#include "mqttspec/codec/topic.hpp"

namespace mc = mqttspec::codec;
using mc::errc;

namespace {

TEST(TopicName, Validation) {
    EXPECT_TRUE(mc::validate_topic_name("a"));
    EXPECT_TRUE(mc::validate_topic_name("/"));
    EXPECT_TRUE(mc::validate_topic_name("a//b/"));
    EXPECT_TRUE(mc::validate_topic_name("$SYS/x"));
    EXPECT_TRUE(mc::validate_topic_name(" "));
    EXPECT_EQ(mc::validate_topic_name("").code, errc::topic_name_empty);
    auto plus = mc::validate_topic_name("a/+/b");
    EXPECT_EQ(plus.code, errc::topic_name_wildcard);
    EXPECT_EQ(plus.offset, 2u);
    auto hash = mc::validate_topic_name("abc#");
    EXPECT_EQ(hash.code, errc::topic_name_wildcard);
    EXPECT_EQ(hash.offset, 3u);
}

struct filter_case {
    const char* filter;
    errc code;
    std::size_t offset;
};

TEST(TopicFilter, Validation) {
    const filter_case cases[] = {
        {"#", errc::ok, 0},
        {"+", errc::ok, 0},
        {"a/#", errc::ok, 0},
        {"+/+", errc::ok, 0},
        {"/+/", errc::ok, 0},
        {"a/+/#", errc::ok, 0},
        {"//", errc::ok, 0},
        {"$SYS/#", errc::ok, 0},
        {"", errc::topic_filter_empty, 0},
        {"a#", errc::topic_filter_invalid_multilevel, 1},
        {"#/a", errc::topic_filter_invalid_multilevel, 0},
        {"a/#/b", errc::topic_filter_invalid_multilevel, 2},
        {"a/b#", errc::topic_filter_invalid_multilevel, 3},
        {"##", errc::topic_filter_invalid_multilevel, 0},
        {"a+", errc::topic_filter_invalid_single_level, 1},
        {"+a", errc::topic_filter_invalid_single_level, 0},
        {"a/++/b", errc::topic_filter_invalid_single_level, 2},
        {"a/b+/c", errc::topic_filter_invalid_single_level, 3},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.filter);
        auto r = mc::validate_topic_filter(c.filter);
        EXPECT_EQ(r.code, c.code);
        if (c.code != errc::ok) {
            EXPECT_EQ(r.offset, c.offset);
        }
    }
}

TEST(TopicFilter, SharedSubscriptionSyntax) {
    const filter_case cases[] = {
        {"$share/group/a/b", errc::ok, 0},
        {"$share/g/#", errc::ok, 0},
        {"$share/g/+/x", errc::ok, 0},
        {"$share/g//", errc::ok, 0},
        {"$share//a", errc::shared_subscription_invalid, 7},
        {"$share/", errc::shared_subscription_invalid, 7},
        {"$share/g", errc::shared_subscription_invalid, 8},
        {"$share/g/", errc::shared_subscription_invalid, 9},
        {"$share/g+/a", errc::shared_subscription_invalid, 8},
        {"$share/#/a", errc::shared_subscription_invalid, 7},
        {"$share/g/a#", errc::topic_filter_invalid_multilevel, 10},
        {"$share/g/a/+b", errc::topic_filter_invalid_single_level, 11},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.filter);
        auto r = mc::validate_topic_filter(c.filter, true);
        EXPECT_EQ(r.code, c.code);
        if (c.code != errc::ok) {
            EXPECT_EQ(r.offset, c.offset);
        }
    }
    // Without shared subscriptions (3.x) "$share/..." is an ordinary filter.
    EXPECT_TRUE(mc::validate_topic_filter("$share//a", false));
    EXPECT_TRUE(mc::validate_topic_filter("$share", true));
}

TEST(TopicFilter, ParseSharedFilter) {
    auto s = mc::parse_shared_filter("$share/g1/a/+/c");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->share_name, "g1");
    EXPECT_EQ(s->filter, "a/+/c");
    EXPECT_FALSE(mc::parse_shared_filter("a/b"));
    EXPECT_FALSE(mc::parse_shared_filter("$share//a"));
    EXPECT_FALSE(mc::parse_shared_filter("$share/g"));
    EXPECT_FALSE(mc::parse_shared_filter("$share/g/"));
    EXPECT_FALSE(mc::parse_shared_filter("$share/g+/a"));
    EXPECT_TRUE(mc::is_shared_filter("$share/"));
    EXPECT_FALSE(mc::is_shared_filter("$share"));
    EXPECT_FALSE(mc::is_shared_filter("$SHARE/g/a"));
}

struct match_case {
    const char* filter;
    const char* topic;
    bool matches;
};

TEST(TopicMatching, Table) {
    const match_case cases[] = {
        {"sport/tennis/player1/#", "sport/tennis/player1", true},
        {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
        {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
        {"sport/#", "sport", true},
        {"#", "a/b/c", true},
        {"#", "/", true},
        {"sport/tennis/+", "sport/tennis/player1", true},
        {"sport/tennis/+", "sport/tennis/player1/ranking", false},
        {"sport/+", "sport", false},
        {"sport/+", "sport/", true},
        {"+", "a", true},
        {"+", "/a", false},
        {"+/+", "/finance", true},
        {"/+", "/finance", true},
        {"+", "/finance", false},
        {"+/tennis/#", "sport/tennis/x", true},
        {"a/b", "a/b", true},
        {"a/b", "a/b/", false},
        {"a/b", "A/b", false},
        {"a//b", "a//b", true},
        {"a/+/b", "a//b", true},
        {"a/b/#", "a/bc", false},
        {"#", "$SYS/x", false},
        {"+/monitor/Clients", "$SYS/monitor/Clients", false},
        {"$SYS/#", "$SYS/monitor/Clients", true},
        {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
        {"$share/g/a/+", "a/b", true},
        {"$share/g/#", "x/y", true},
        {"$share/g/#", "$SYS/y", false},
        {"$share/g/a", "b", false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.filter) + " vs " + c.topic);
        EXPECT_EQ(mc::topic_matches(c.filter, c.topic), c.matches);
    }
}

}  // namespace
