using System.Globalization;

namespace PowerWatch.Simulators.Scenarios;

/// <summary>
/// Binds scenario events (<c>device.verb args</c>) to model commands. Verbs by device kind:
/// utility: fail, restore, brownout V, voltage V, frequency Hz;
/// ATS: command 1|2|3, fault fail-to-transfer|clear, automatic on|off;
/// generator: mode stop|auto|manual|test-on-load|auto-manual-restore, key N, fault fail-to-start|fail-to-stabilise|overload|low-fuel|clear,
///   reset (alarms), fuel P (% of tank);
/// UPS: bias X, load-step P (% of rating), off, on, shutdown D [return|stayoff], cancel-shutdown, self-test, bypass on|off,
///   fault inverter|battery-disconnected|clear, charge P;
/// PDU: outlet N on|off.
/// </summary>
public static class SiteCommands
{
    /// <summary>Returns the command for <paramref name="action"/>, or throws a <see cref="ScenarioException"/> naming the line.</summary>
    public static Action Bind(Site site, ScenarioAction action, string source = "scenario")
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(action);
        var device = site.FindDevice(action.Device) ?? throw Error($"unknown device '{action.Device}'");
        var args = action.Arguments;
        return device switch
        {
            UtilitySupply u => action.Verb switch
            {
                "fail" => NoArgs(u.Fail),
                "restore" => NoArgs(u.Restore),
                "brownout" or "voltage" => WithNumber(v => u.Brownout(v)),
                "frequency" => WithNumber(u.FrequencyExcursion),
                _ => throw UnknownVerb("fail, restore, brownout V, voltage V, frequency Hz"),
            },
            TransferSwitch a => action.Verb switch
            {
                "command" => WithNumber(k => a.Command((int)k), k => k is 1 or 2 or 3, "1, 2 or 3"),
                "fault" => OneOf(["fail-to-transfer", "clear"], f => a.SetFault(f == "clear" ? AtsFault.None : AtsFault.FailToTransfer)),
                "automatic" => OneOf(["on", "off"], v => a.SetAutomatic(v == "on")),
                _ => throw UnknownVerb("command N, fault X|clear, automatic on|off"),
            },
            Generator g => action.Verb switch
            {
                "mode" => OneOf(["stop", "auto", "manual", "test-on-load", "auto-manual-restore"], m => g.SetMode(m switch
                {
                    "stop" => GeneratorMode.Stop,
                    "manual" => GeneratorMode.Manual,
                    "test-on-load" => GeneratorMode.TestOnLoad,
                    "auto-manual-restore" => GeneratorMode.AutoWithManualRestore,
                    _ => GeneratorMode.Auto,
                })),
                "key" => WithNumber(k => g.PressKey((int)k), k => Generator.SupportsKey((int)k), "a supported key (35700–35710, 35732–35735)"),
                "fault" => OneOf(["fail-to-start", "fail-to-stabilise", "overload", "low-fuel", "clear"], f => g.SetFault(f switch
                {
                    "fail-to-start" => GeneratorFault.FailToStart,
                    "fail-to-stabilise" => GeneratorFault.FailToStabilise,
                    "overload" => GeneratorFault.Overload,
                    "low-fuel" => GeneratorFault.LowFuel,
                    _ => GeneratorFault.None,
                })),
                "reset" => NoArgs(g.ResetAlarms),
                "fuel" => WithNumber(g.SetFuelPercent, p => p is >= 0 and <= 100, "a percentage 0–100"),
                _ => throw UnknownVerb("mode X, key N, fault X|clear, reset, fuel P"),
            },
            Ups u => action.Verb switch
            {
                "bias" => WithNumber(u.SetRuntimeBias, b => b > 0, "a positive factor"),
                "load-step" => WithNumber(site.SetUpsLoadPercent, p => p >= 0, "a percentage"),
                "off" => NoArgs(u.TurnOutputOff),
                "on" => NoArgs(u.TurnOutputOn),
                "shutdown" => Shutdown(u),
                "cancel-shutdown" => NoArgs(u.CancelShutdown),
                "self-test" => NoArgs(() => u.StartSelfTest()),
                "bypass" => OneOf(["on", "off"], v => u.SetBypass(v == "on")),
                "fault" => OneOf(["inverter", "battery-disconnected", "clear"], f => u.SetFault(f switch
                {
                    "inverter" => UpsFault.Inverter,
                    "battery-disconnected" => UpsFault.BatteryDisconnected,
                    _ => UpsFault.None,
                })),
                "charge" => WithNumber(u.SetChargePercent, p => p is >= 0 and <= 100, "a percentage 0–100"),
                _ => throw UnknownVerb("bias X, load-step P, off, on, shutdown D [return|stayoff], cancel-shutdown, self-test, bypass on|off, fault X|clear, charge P"),
            },
            Pdu p => action.Verb switch
            {
                "outlet" => Outlet(p),
                _ => throw UnknownVerb("outlet N on|off"),
            },
            _ => throw Error($"device '{action.Device}' takes no events"),
        };

        ScenarioException Error(string message) => new(source, action.Line, action.Column, message);

        ScenarioException UnknownVerb(string known) => Error($"'{action.Verb}' is not an event of {action.Device} (known: {known})");

        Action NoArgs(Action command)
        {
            if (args.Count != 0)
            {
                throw Error($"{action.Device}.{action.Verb} takes no arguments");
            }

            return command;
        }

        Action WithNumber(Action<double> command, Func<double, bool>? valid = null, string? what = null)
        {
            if (args.Count != 1 || !double.TryParse(args[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ||
                !double.IsFinite(value) || value < 0 || (valid is not null && !valid(value)))
            {
                throw Error($"{action.Device}.{action.Verb} needs {what ?? "one non-negative number"}");
            }

            return () => command(value);
        }

        Action OneOf(string[] allowed, Action<string> command)
        {
            if (args.Count != 1 || !allowed.Contains(args[0], StringComparer.Ordinal))
            {
                throw Error($"{action.Device}.{action.Verb} needs one of: {string.Join(", ", allowed)}");
            }

            var value = args[0];
            return () => command(value);
        }

        Action Shutdown(Ups ups)
        {
            if (args.Count is < 1 or > 2 || !Durations.TryParse(args[0], out var delay) ||
                (args.Count == 2 && args[1] is not ("return" or "stayoff")))
            {
                throw Error("ups.shutdown needs a delay and optionally 'return' or 'stayoff'");
            }

            var returning = args.Count == 1 || args[1] == "return";
            return () => ups.Shutdown(delay, returning);
        }

        Action Outlet(Pdu pdu)
        {
            if (args.Count != 2 || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ||
                n < 1 || n > pdu.Outlets.Count || args[1] is not ("on" or "off"))
            {
                throw Error($"{pdu.Name}.outlet needs an outlet number 1–{pdu.Outlets.Count} and on|off");
            }

            var on = args[1] == "on";
            return () =>
            {
                if (!pdu.SetOutlet(n, on))
                {
                    throw new ScenarioException(source, action.Line, action.Column, $"{pdu.Name}: outlet switching is disabled");
                }
            };
        }
    }
}
