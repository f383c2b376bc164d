namespace PowerWatch.Mqtt.Tests;

public sealed class TopicTests
{
    [Theory]
    [InlineData("powerwatch/site-a/ups-a/telemetry")]
    [InlineData("/")]
    [InlineData("a//b")]
    [InlineData("$SYS/broker/uptime")]
    [InlineData("ünïcode/テレメトリ")]
    public void Valid_topic_names_are_accepted(string topic) => Assert.Null(MqttTopic.ValidateTopicName(topic));

    [Theory]
    [InlineData("")]
    [InlineData("a/+/b")]
    [InlineData("a/#")]
    [InlineData("a\0b")]
    public void Invalid_topic_names_are_rejected_with_a_reason(string topic) => Assert.NotNull(MqttTopic.ValidateTopicName(topic));

    [Fact]
    public void Topic_with_a_lone_surrogate_is_rejected()
    {
        var topic = "bad" + (char)0xD800 + "surrogate";
        Assert.NotNull(MqttTopic.ValidateTopicName(topic));
        Assert.NotNull(MqttTopic.ValidateTopicFilter(topic));
    }

    [Fact]
    public void Topic_names_longer_than_65535_utf8_bytes_are_rejected()
    {
        Assert.Null(MqttTopic.ValidateTopicName(new string('a', 65_535)));
        Assert.NotNull(MqttTopic.ValidateTopicName(new string('a', 65_536)));
        Assert.NotNull(MqttTopic.ValidateTopicName(new string('é', 32_768)));
    }

    [Theory]
    [InlineData("#")]
    [InlineData("+")]
    [InlineData("a/+/c")]
    [InlineData("a/b/#")]
    [InlineData("+/+/#")]
    [InlineData("$share/powerwatch-ingest/powerwatch/+/+/telemetry")]
    public void Valid_topic_filters_are_accepted(string filter) => Assert.Null(MqttTopic.ValidateTopicFilter(filter));

    // MQTT 5.0 §4.7.1.2/4.7.1.3: '#' must be last and alone in its level; '+' must occupy a whole level.
    [Theory]
    [InlineData("")]
    [InlineData("a/#/b")]
    [InlineData("a#")]
    [InlineData("a/b+")]
    [InlineData("+a/b")]
    [InlineData("a\0")]
    public void Invalid_topic_filters_are_rejected_with_a_reason(string filter) => Assert.NotNull(MqttTopic.ValidateTopicFilter(filter));

    [Theory]
    [InlineData("a/+/c", "a/b/c", true)]
    [InlineData("a/+/c", "a/b/d", false)]
    [InlineData("a/#", "a", true)]
    [InlineData("a/#", "a/b/c", true)]
    [InlineData("#", "$SYS/x", false)]
    [InlineData("+/x", "$SYS/x", false)]
    [InlineData("a/b", "a/b/c", false)]
    public void Topic_filters_match_as_specified(string filter, string topic, bool matches) => Assert.Equal(matches, MqttTopic.Matches(filter, topic));
}
