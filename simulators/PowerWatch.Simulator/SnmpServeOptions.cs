using System.CommandLine;
using System.Net;
using PowerWatch.Simulators.Faces;
using PowerWatch.Simulators.Faces.Snmp;
using PowerWatch.Snmp;

namespace PowerWatch.Simulator;

/// <summary>The <c>--snmp…</c> options of <c>serve</c>, turned into <see cref="SnmpSiteOptions"/>.</summary>
internal sealed class SnmpServeOptions
{
    private readonly Option<bool> _snmp = new("--snmp") { Description = "also serve the UPS (UPS-MIB + APC PowerNet), the ATS (APC rack ATS MIB) and the PDUs over SNMP on UDP ports of 127.0.0.1" };
    private readonly Option<int> _basePort = new("--snmp-base-port") { Description = "SNMP faces on consecutive UDP ports from this one (UPS, ATS, PDUs); 0 = free ports", DefaultValueFactory = _ => 0 };
    private readonly Option<string> _pduMib = new("--snmp-pdu-mib") { Description = "apc-rpdu2 or raritan-pdu2", DefaultValueFactory = _ => "apc-rpdu2" };
    private readonly Option<string> _community = new("--snmp-community") { Description = "v1/v2c community answered (and used for v2c traps)", DefaultValueFactory = _ => "public" };
    private readonly Option<string?> _user = new("--snmp-user") { Description = "v3 user (authPriv: --snmp-auth and AES with the two passwords)" };
    private readonly Option<string> _auth = new("--snmp-auth") { Description = "v3 authentication: sha or sha256", DefaultValueFactory = _ => "sha" };
    private readonly Option<string?> _authPassword = new("--snmp-auth-password") { Description = "v3 authentication password (at least 8 characters)" };
    private readonly Option<string?> _privPassword = new("--snmp-priv-password") { Description = "v3 AES privacy password (at least 8 characters)" };
    private readonly Option<string?> _trap = new("--snmp-trap") { Description = "send traps to this receiver, host:port (e.g. 127.0.0.1:16200)" };
    private readonly Option<string> _trapVersion = new("--snmp-trap-version") { Description = "2c, or 3 (as --snmp-user; the receiver needs each face's engine id, printed at start)", DefaultValueFactory = _ => "2c" };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _snmp, _basePort, _pduMib, _community, _user, _auth, _authPassword, _privPassword, _trap, _trapVersion })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The SNMP options, null without <c>--snmp</c>; an invalid combination gives <paramref name="error"/> (never a password).</summary>
    public SnmpSiteOptions? Read(ParseResult parse, out string? error)
    {
        error = null;
        if (!parse.GetValue(_snmp))
        {
            return null;
        }

        var basePort = parse.GetValue(_basePort);
        if (basePort is < 0 or > 65_000)
        {
            error = "--snmp-base-port must be 0–65000";
            return null;
        }

        PduMib mib;
        switch (parse.GetValue(_pduMib))
        {
            case "apc-rpdu2": mib = PduMib.ApcRpdu2; break;
            case "raritan-pdu2": mib = PduMib.RaritanPdu2; break;
            default:
                error = "--snmp-pdu-mib must be apc-rpdu2 or raritan-pdu2";
                return null;
        }

        var community = parse.GetValue(_community)!;
        var users = new List<SnmpAgentUser>();
        var userName = parse.GetValue(_user);
        if (userName is not null)
        {
            var auth = parse.GetValue(_auth) switch
            {
                "sha" => SnmpAuthProtocol.Sha,
                "sha256" => SnmpAuthProtocol.Sha256,
                _ => SnmpAuthProtocol.None,
            };
            try
            {
                users.Add(new SnmpAgentUser(userName, auth, parse.GetValue(_authPassword) ?? "", SnmpPrivProtocol.Aes, parse.GetValue(_privPassword) ?? ""));
            }
            catch (ArgumentException)
            {
                error = "--snmp-user needs --snmp-auth sha|sha256, --snmp-auth-password and --snmp-priv-password of at least 8 characters each";
                return null;
            }
        }

        var destinations = new List<SnmpTrapDestination>();
        if (parse.GetValue(_trap) is { } trap)
        {
            if (!IPEndPoint.TryParse(trap, out var endPoint) || endPoint.Port == 0)
            {
                error = "--snmp-trap must be host:port with a numeric address, e.g. 127.0.0.1:16200";
                return null;
            }

            var v3 = parse.GetValue(_trapVersion) == "3";
            if (v3 && userName is null)
            {
                error = "--snmp-trap-version 3 needs --snmp-user";
                return null;
            }

            destinations.Add(v3 ? new SnmpTrapDestination(endPoint, SnmpVersion.V3, User: userName) : new SnmpTrapDestination(endPoint, SnmpVersion.V2c, community));
        }

        return new SnmpSiteOptions { BasePort = basePort, PduMib = mib, Communities = [community], Users = users, TrapDestinations = destinations };
    }
}
