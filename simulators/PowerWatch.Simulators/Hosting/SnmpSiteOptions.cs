using System.Globalization;
using System.Text;
using PowerWatch.Simulators.Faces.Snmp;
using PowerWatch.Snmp;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// SNMP faces of a <see cref="SiteHost"/> (<see cref="SiteHostOptions.Snmp"/>): the UPS (UPS-MIB + PowerNet), the ATS
/// (APC rack ATS MIB) and every PDU (<see cref="PduMib"/>), each on its own UDP port on 127.0.0.1, besides their
/// Modbus faces. The generator and the meter have no SNMP face (their cards speak Modbus).
/// </summary>
public sealed class SnmpSiteOptions
{
    /// <summary>0: free UDP ports. Otherwise consecutive ports from this one, in order UPS, ATS, PDUs.</summary>
    public int BasePort { get; init; }

    /// <summary>The MIB every PDU answers.</summary>
    public PduMib PduMib { get; init; } = PduMib.ApcRpdu2;

    /// <summary>v1/v2c communities answered. Secrets.</summary>
    public IReadOnlyList<string> Communities { get; init; } = ["public"];

    /// <summary>v3 users of every face.</summary>
    public IReadOnlyList<SnmpAgentUser> Users { get; init; } = [];

    /// <summary>Where every face sends its traps.</summary>
    public IReadOnlyList<SnmpTrapDestination> TrapDestinations { get; init; } = [];

    /// <summary>Starts the SNMP faces of <paramref name="site"/>; on failure the ones started are stopped.</summary>
    internal async Task<List<SnmpFaceServer>> StartAsync(Site site, TimeProvider transportTime, CancellationToken cancellationToken)
    {
        var faces = new List<SnmpFace> { new UpsSnmpFace(site), new AtsSnmpFace(site) };
        faces.AddRange(site.Pdus.Select(p => new PduSnmpFace(site, p, PduMib)));
        var servers = new List<SnmpFaceServer>();
        try
        {
            for (var i = 0; i < faces.Count; i++)
            {
                var options = new SnmpFaceServerOptions
                {
                    Port = BasePort == 0 ? 0 : BasePort + i,
                    Communities = Communities,
                    Users = Users,
                    TrapDestinations = TrapDestinations,
                    TransportTime = transportTime,
                };
                servers.Add(await SnmpFaceServer.StartAsync(faces[i], options, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            foreach (var s in servers)
            {
                await s.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return servers;
    }

    /// <summary>One line per SNMP face: id, kind, endpoint, MIB, engine id (for v3 trap receivers).</summary>
    internal static void Describe(StringBuilder sb, IEnumerable<SnmpFaceServer> servers)
    {
        foreach (var s in servers)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{s.Face.DeviceId,-10} {s.Face.Kind,-9} {s.Endpoint,-28} snmp {s.Face.Mib,-17} engine 0x{Convert.ToHexString(s.Agent.EngineId)}").Append('\n');
        }
    }
}
