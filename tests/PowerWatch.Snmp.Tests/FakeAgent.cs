using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace PowerWatch.Snmp.Tests;

/// <summary>
/// A hand-written v1/v2c agent on 127.0.0.1 and a port the OS picks: answers GET, GETNEXT and GETBULK from a sorted
/// MIB as RFC 3416 §4.2 describes, unless <see cref="Script"/> decides otherwise (drop, delay, stray or broken replies).
/// </summary>
internal sealed class FakeAgent : IAsyncDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _count;

    public FakeAgent()
    {
        EndPoint = (IPEndPoint)_udp.Client.LocalEndPoint!;
        _loop = Task.Run(LoopAsync);
    }

    public IPEndPoint EndPoint { get; }

    public SortedDictionary<Oid, SnmpValue> Mib { get; } = [];

    public string Community { get; set; } = "public";

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<SnmpCommunityMessage> Requests { get; } = new();

    public int RequestCount => Volatile.Read(ref _count);

    /// <summary>(request, 1-based number) → datagrams to send back; null = the normal answer; empty = stay silent.</summary>
    public Func<SnmpCommunityMessage, int, IEnumerable<byte[]>?>? Script { get; set; }

    public static byte[] Encode(SnmpVersion version, SnmpPdu pdu, string community = "public")
    {
        var output = new ArrayBufferWriter<byte>();
        new SnmpCommunityMessage(version, System.Text.Encoding.UTF8.GetBytes(community), pdu).Encode(output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The answer an agent with <see cref="Mib"/> gives.</summary>
    public byte[] Answer(SnmpCommunityMessage request, int? requestId = null)
    {
        var pdu = request.Pdu;
        var v1 = request.Version == SnmpVersion.V1;
        var result = new List<SnmpVariable>();
        for (var i = 0; i < pdu.Variables.Count; i++)
        {
            var oid = pdu.Variables[i].Oid;
            if (pdu.Type == SnmpPduType.GetBulkRequest && i >= pdu.NonRepeaters)
            {
                break;
            }

            SnmpVariable? found = pdu.Type == SnmpPduType.GetRequest
                ? Mib.TryGetValue(oid, out var value) ? new(oid, value) : null
                : Next(oid);
            if (found is null && v1)
            {
                return Encode(request.Version, new SnmpPdu(SnmpPduType.Response, requestId ?? pdu.RequestId, pdu.Variables, (int)SnmpErrorStatus.NoSuchName, i + 1), Community);
            }

            result.Add(found ?? new SnmpVariable(oid, pdu.Type == SnmpPduType.GetRequest ? SnmpValue.NoSuchObject : SnmpValue.EndOfMibView));
        }

        if (pdu.Type == SnmpPduType.GetBulkRequest)
        {
            var repeaters = pdu.Variables.Skip(pdu.NonRepeaters).Select(v => v.Oid).ToArray();
            for (var r = 0; r < pdu.MaxRepetitions && repeaters.Length > 0; r++)
            {
                for (var j = 0; j < repeaters.Length; j++)
                {
                    var next = Next(repeaters[j]) ?? new SnmpVariable(repeaters[j], SnmpValue.EndOfMibView);
                    result.Add(next);
                    repeaters[j] = next.Oid;
                }
            }
        }

        return Encode(request.Version, new SnmpPdu(SnmpPduType.Response, requestId ?? pdu.RequestId, result), Community);
    }

    private SnmpVariable? Next(Oid oid)
    {
        foreach (var (key, value) in Mib)
        {
            if (key > oid)
            {
                return new SnmpVariable(key, value);
            }
        }

        return null;
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try
            {
                received = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            SnmpCommunityMessage request;
            try
            {
                request = SnmpCommunityMessage.Decode(received.Buffer);
            }
            catch (SnmpProtocolException)
            {
                continue;
            }

            Requests.Enqueue(request);
            var n = Interlocked.Increment(ref _count);
            if (System.Text.Encoding.UTF8.GetString(request.Community.Span) != Community)
            {
                continue; // as snmpd: an unknown community is dropped silently
            }

            foreach (var datagram in Script?.Invoke(request, n) ?? [Answer(request)])
            {
                await _udp.SendAsync(datagram, received.RemoteEndPoint, CancellationToken.None);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
