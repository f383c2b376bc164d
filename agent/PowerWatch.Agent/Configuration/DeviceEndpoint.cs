using System.Globalization;

namespace PowerWatch.Agent.Configuration;

/// <summary>How a device is reached.</summary>
internal enum EndpointKind
{
    /// <summary>Modbus TCP (MBAP) or, for serial UPS protocols, a raw TCP serial server.</summary>
    Tcp,

    /// <summary>Modbus RTU frames over a TCP socket (serial device server in raw mode).</summary>
    RtuOverTcp,

    /// <summary>A local serial port.</summary>
    Serial,

    /// <summary>A NUT upsd server: host, port and UPS name.</summary>
    Nut,

    /// <summary>A UDP datagram endpoint (an SNMP agent, default port 161).</summary>
    Udp,
}

/// <summary>A parsed device endpoint. The transport endpoint key groups devices that share one bus or connection.</summary>
internal sealed record DeviceEndpoint(EndpointKind Kind, string Host, int Port, string Path)
{
    /// <summary>The key of the transport endpoint: devices with the same key share one polling loop (one bus).</summary>
    public string TransportKey => Kind switch
    {
        EndpointKind.Serial => "serial:" + Path,
        EndpointKind.Nut => $"nut://{Host}:{Port}/{Path}",
        EndpointKind.RtuOverTcp => $"rtu+tcp://{Host}:{Port}",
        EndpointKind.Udp => $"udp://{Host}:{Port}",
        _ => $"tcp://{Host}:{Port}",
    };

    public static bool TryParse(string text, out DeviceEndpoint? endpoint, out string? error)
    {
        endpoint = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "required (tcp://host:port, rtu+tcp://host:port, serial:///dev/ttyX, nut://host:port/ups or udp://host:port)";
            return false;
        }

        if (text.StartsWith("serial://", StringComparison.Ordinal))
        {
            var path = text["serial://".Length..];
            if (path.Length == 0)
            {
                error = $"'{text}' names no serial device (e.g. serial:///dev/ttyUSB0 or serial://COM3)";
                return false;
            }

            endpoint = new DeviceEndpoint(EndpointKind.Serial, "", 0, path);
            return true;
        }

        if (ConfigValidator.PortProblem(text) is { } portProblem)
        {
            error = $"'{text}': {portProblem}";
            return false;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            error = $"'{text}' is not an endpoint (tcp://host:port, rtu+tcp://host:port, serial:///dev/ttyX, nut://host:port/ups or udp://host:port)";
            return false;
        }

        var kind = uri.Scheme switch
        {
            "tcp" => EndpointKind.Tcp,
            "rtu+tcp" => EndpointKind.RtuOverTcp,
            "nut" => EndpointKind.Nut,
            "udp" => EndpointKind.Udp,
            _ => (EndpointKind?)null,
        };
        if (kind is null)
        {
            error = $"scheme '{uri.Scheme}' is not one of tcp, rtu+tcp, serial, nut, udp";
            return false;
        }

        var port = uri.IsDefaultPort || uri.Port <= 0
            ? kind switch { EndpointKind.Nut => 3493, EndpointKind.Udp => 161, _ => 502 }
            : uri.Port;
        var upsName = uri.AbsolutePath.Trim('/');
        if (kind == EndpointKind.Nut && upsName.Length == 0)
        {
            error = $"'{text}' names no UPS (nut://host:port/upsname)";
            return false;
        }

        endpoint = new DeviceEndpoint(kind.Value, uri.Host, port, upsName);
        return true;
    }

    public override string ToString() => Kind == EndpointKind.Serial ? "serial://" + Path : TransportKey;

    internal string PortText => Port.ToString(CultureInfo.InvariantCulture);
}
