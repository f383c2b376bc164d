using System.Globalization;
using System.Text;
using System.Text.Json;
using PowerWatch.Serial;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// The one place the simulator writes a PowerWatch agent configuration: the devices of a running
/// <see cref="SiteHost"/> (endpoints, unit ids, profiles, the serial UPS face), its topology and the failover timings
/// its simulated ATS and generator really run. Used by <c>powerwatch-demo</c>, <c>powerwatch-sim serve --agent-config</c>
/// and the control channel's <c>config</c> command; the agent's own validator checks the output in the agent's tests.
/// </summary>
public static class AgentConfiguration
{
    /// <summary>
    /// The agent configuration for this site (appsettings JSON, schema of agent AgentOptions):
    /// <c>{"PowerWatch":{"Schema":1,"Site":…,"Devices":[{"Id","Kind","Input":"modbus","Endpoint","UnitId","Profile"[,"Serial"]}…],
    /// "Topology":{"Ats":[{"Id","Generator","UtilityMeter"?,"Feeds"}],"Ups":[{"Id","Pdus"}]}}}</c>.
    /// The meter is named as <c>UtilityMeter</c> only when it sits on the utility feed.
    /// </summary>
    public static string Json(SiteHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("PowerWatch");
            w.WriteNumber("Schema", 1);
            w.WriteString("Site", host.Site.Name);
            w.WriteStartArray("Devices");
            foreach (var d in host.Devices)
            {
                w.WriteStartObject();
                w.WriteString("Id", d.Id);
                w.WriteString("Kind", d.Kind);
                if (host.SerialUps is { } serial && d.Id == host.Site.Ups.Name)
                {
                    WriteSerialUps(w, serial, host.Site.Ups.Options);
                    w.WriteEndObject();
                    continue;
                }

                w.WriteString("Input", "modbus");
                w.WriteString("Endpoint", d.Endpoint);
                w.WriteNumber("UnitId", d.UnitId);
                w.WriteString("Profile", d.Profile);
                if (d.Server is ModbusRtuBus bus)
                {
                    w.WriteStartObject("Serial");
                    w.WriteNumber("BaudRate", bus.Settings.BaudRate);
                    w.WriteNumber("DataBits", bus.Settings.DataBits);
                    w.WriteString("Parity", bus.Settings.Parity.ToString().ToLowerInvariant());
                    w.WriteNumber("StopBits", bus.Settings.StopBits == StopBits.Two ? 2 : 1);
                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("Topology");
            w.WriteStartArray("Ats");
            w.WriteStartObject();
            w.WriteString("Id", host.Site.Ats.Name);
            w.WriteString("Generator", host.Site.Generator.Name);
            if (host.Site.Meter is { Options.Location: MeterLocation.Utility } meter)
            {
                w.WriteString("UtilityMeter", meter.Name);
            }

            w.WriteStartArray("Feeds");
            w.WriteStringValue(host.Site.Ups.Name);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartArray("Ups");
            w.WriteStartObject();
            w.WriteString("Id", host.Site.Ups.Name);
            w.WriteStartArray("Pdus");
            foreach (var p in host.Site.Pdus)
            {
                w.WriteStringValue(p.Name);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            WriteFailoverTimings(w, host.Site.Description);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// <c>Alerts:Failover</c> timings of the agent's failover analyzer, stated from the simulated ATS and generator, so
    /// the agent expects the start sequence this site really runs (utility lost → start contact → crank → fires →
    /// safety delay → warm-up → available → transfer) rather than its own defaults (the DSE factory timers).
    /// <c>CrankTime</c> is how long a healthy crank takes to fire here, not the crank limit.
    /// </summary>
    private static void WriteFailoverTimings(Utf8JsonWriter w, SiteDescription site)
    {
        w.WriteStartObject("Alerts");
        w.WriteStartObject("Failover");
        w.WriteString("EngineStartDelay", Format(site.Ats.EngineStartDelay));
        w.WriteString("GeneratorStartDelay", Format(site.Generator.StartDelay + site.Generator.Preheat));
        w.WriteString("CrankTime", Format(site.Generator.FiringTime));
        w.WriteString("SafetyDelay", Format(site.Generator.SafetyDelay));
        w.WriteString("WarmUp", Format(site.Generator.WarmUp));
        w.WriteString("TransferDelay", Format(site.Ats.TransferDelay + site.Ats.OpenTransition));
        w.WriteNumber("NominalFrequency", site.Generator.NominalFrequency);
        w.WriteNumber("NominalVoltage", site.Generator.NominalVoltage);
        w.WriteEndObject();
        w.WriteEndObject();

        static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
    }

    /// <summary>The UPS device entry for its serial face: input, endpoint and (Megatec Q1) the runtime calibration of the model.</summary>
    private static void WriteSerialUps(Utf8JsonWriter w, SerialUpsFace serial, UpsOptions ups)
    {
        w.WriteString("Input", serial.Input);
        w.WriteString("Endpoint", serial.Server.Endpoint);

        // One request at 2400 baud plus the UPS's turnaround takes well under this (and it stays below the 1 s poll).
        w.WriteString("Timeout", "00:00:00.800");
        if (serial.Protocol == UpsSerialProtocol.MegatecQ1)
        {
            // Q1 reports no runtime: NUT-style runtimecal from the simulated battery's two calibration points.
            w.WriteStartObject("MegatecQ1");
            w.WriteString("RuntimeCal", string.Create(CultureInfo.InvariantCulture,
                $"{ups.RuntimeAtFullLoad.TotalSeconds:0},100,{ups.RuntimeAtHalfLoad.TotalSeconds:0},50"));
            w.WriteEndObject();
        }
    }
}
