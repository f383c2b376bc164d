using System.IO.Pipelines;
using PowerWatch.Mqtt.Packets;
using PowerWatch.TestSupport;

namespace PowerWatch.Mqtt.Tests;

public sealed class ConnectionWriterTests
{
    /// <summary>A stream whose writes fail with something other than an I/O error.</summary>
    private sealed class BrokenStream : MemoryStream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new InvalidOperationException("stream in a bad state"));

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromException(new InvalidOperationException("stream in a bad state"));

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("stream in a bad state");
    }

    [Fact]
    public async Task Writer_failing_with_a_non_io_error_loses_the_connection_and_fails_the_queued_packet()
    {
        var pipe = new Pipe();
        await using var connection = new MqttConnection(new BrokenStream(), pipe.Reader, new MqttPacketDecoder(MqttProtocolVersion.V311), MqttProtocolVersion.V311, new ManualTimeProvider());
        var lost = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.StartWriter((_, e) => lost.TrySetResult(e));
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Assert.True(connection.Enqueue(new Outgoing(new PingReqPacket(), written)));

        var error = await lost.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var connectionLost = Assert.IsType<MqttConnectionLostException>(error);
        Assert.Contains("InvalidOperationException: stream in a bad state", connectionLost.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => written.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
