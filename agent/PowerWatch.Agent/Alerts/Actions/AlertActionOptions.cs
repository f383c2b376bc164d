namespace PowerWatch.Agent.Alerts.Actions;

/// <summary>Action kinds (wire names used in configuration).</summary>
internal static class AlertActionKinds
{
    public const string Webhook = "webhook";
    public const string Command = "command";
    public const string ModbusWrite = "modbus-write";
    public const string Shutdown = "shutdown";

    /// <summary>Kinds that change hardware: refused unless the device (or <c>host</c>) and the command are allow-listed.</summary>
    public static bool ChangesHardware(string kind) => kind is ModbusWrite or Shutdown;
}

/// <summary>One named action (<c>PowerWatch:Alerts:Actions:{name}</c>).</summary>
internal sealed class AlertActionOptions
{
    /// <summary><c>webhook</c>, <c>command</c>, <c>modbus-write</c> or <c>shutdown</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>Webhook: absolute http(s) URL; the alert is POSTed as JSON.</summary>
    public Uri? Url { get; set; }

    /// <summary>Webhook: extra request headers (never logged).</summary>
    public Dictionary<string, string> Headers { get; set; } = [];

    /// <summary>Per attempt (webhook) or per run (command, shutdown, modbus-write).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Webhook: attempts on 5xx, timeouts and connection errors (1..5); 4xx is never retried.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Webhook: pause before the second attempt, doubled for each further one.</summary>
    public TimeSpan Backoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Command and shutdown: absolute path of the executable (run directly, never through a shell).</summary>
    public string? Path { get; set; }

    /// <summary>Command and shutdown: arguments, passed as a list (no shell parsing, no expansion).</summary>
    public List<string> Args { get; set; } = [];

    /// <summary>Modbus write: device id (a Modbus device of this agent).</summary>
    public string? Device { get; set; }

    /// <summary>Modbus write: command name from the device's profile (e.g. <c>telemetry.start</c>).</summary>
    public string? Command { get; set; }

    /// <summary>Shutdown: run when a UPS's failover margin falls below this many seconds.</summary>
    public double MinMarginSeconds { get; set; } = 60;

    /// <summary>Shutdown: after firing, the margin must stay at or above the threshold this long before the trigger re-arms.</summary>
    public TimeSpan HoldOff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Shutdown: UPS ids watched; empty = every UPS in the failover topology.</summary>
    public List<string> Ups { get; set; } = [];
}

/// <summary>Runs an action on a rule's transitions (<c>PowerWatch:Alerts:Triggers</c>).</summary>
internal sealed class AlertActionTrigger
{
    /// <summary>Rule id (e.g. <c>generator-start-required</c>).</summary>
    public string Rule { get; set; } = "";

    /// <summary>Optional device filter; null = any device.</summary>
    public string? Device { get; set; }

    /// <summary>Action name (a key of <c>Actions</c>).</summary>
    public string Action { get; set; } = "";

    /// <summary>Transitions that run the action: <c>raised</c>, <c>escalated</c>, <c>cleared</c>.</summary>
    public List<string> On { get; set; } = ["raised"];
}

/// <summary>Validation of the action configuration; every message names its key.</summary>
internal static class AlertActionValidation
{
    private static readonly string[] s_triggers = ["raised", "escalated", "cleared"];

    public static IEnumerable<string> Validate(
        IReadOnlyDictionary<string, AlertActionOptions> actions,
        IReadOnlyList<AlertActionTrigger> triggers,
        IEnumerable<(string RuleKey, IReadOnlyList<string> Actions)> ruleActions,
        int queueCapacity)
    {
        const string root = "PowerWatch:Alerts";
        if (queueCapacity is < 1 or > 10_000)
        {
            yield return $"{root}:ActionQueueCapacity must be 1..10000 (got {queueCapacity}).";
        }

        foreach (var (name, a) in actions)
        {
            var key = $"{root}:Actions:{name}";
            if (a.Timeout <= TimeSpan.Zero || a.Timeout > TimeSpan.FromMinutes(10))
            {
                yield return $"{key}:Timeout must be > 0 and <= 00:10:00.";
            }

            switch (a.Kind)
            {
                case AlertActionKinds.Webhook:
                    if (a.Url is null || !a.Url.IsAbsoluteUri || (a.Url.Scheme != Uri.UriSchemeHttp && a.Url.Scheme != Uri.UriSchemeHttps))
                    {
                        yield return $"{key}:Url must be an absolute http or https URL.";
                    }

                    if (a.MaxAttempts is < 1 or > 5)
                    {
                        yield return $"{key}:MaxAttempts must be 1..5 (got {a.MaxAttempts}).";
                    }

                    if (a.Backoff < TimeSpan.Zero || a.Backoff > TimeSpan.FromMinutes(1))
                    {
                        yield return $"{key}:Backoff must be 0..00:01:00.";
                    }

                    break;
                case AlertActionKinds.Command:
                case AlertActionKinds.Shutdown:
                    if (string.IsNullOrWhiteSpace(a.Path) || !System.IO.Path.IsPathRooted(a.Path))
                    {
                        yield return $"{key}:Path must be an absolute path to an executable (no shell is used).";
                    }

                    if (a.Kind == AlertActionKinds.Shutdown && (a.MinMarginSeconds < 0 || a.HoldOff < TimeSpan.Zero))
                    {
                        yield return $"{key}: MinMarginSeconds and HoldOff must be >= 0.";
                    }

                    break;
                case AlertActionKinds.ModbusWrite:
                    if (string.IsNullOrWhiteSpace(a.Device) || string.IsNullOrWhiteSpace(a.Command))
                    {
                        yield return $"{key}: Device and Command are required for modbus-write.";
                    }

                    break;
                default:
                    yield return $"{key}:Kind must be webhook, command, modbus-write or shutdown (got '{a.Kind}').";
                    break;
            }
        }

        for (var i = 0; i < triggers.Count; i++)
        {
            var t = triggers[i];
            var key = $"{root}:Triggers:{i}";
            if (string.IsNullOrWhiteSpace(t.Rule))
            {
                yield return $"{key}:Rule is required.";
            }

            if (!actions.ContainsKey(t.Action))
            {
                yield return $"{key}:Action '{t.Action}' is not defined under {root}:Actions.";
            }
            else if (actions[t.Action].Kind == AlertActionKinds.Shutdown)
            {
                yield return $"{key}:Action '{t.Action}' is a shutdown action; it runs from the failover margin, not from a rule.";
            }

            foreach (var on in t.On.Where(o => !s_triggers.Contains(o, StringComparer.Ordinal)))
            {
                yield return $"{key}:On must be raised, escalated or cleared (got '{on}').";
            }
        }

        foreach (var (ruleKey, list) in ruleActions)
        {
            foreach (var name in list.Where(n => !actions.ContainsKey(n)))
            {
                yield return $"{ruleKey}:Actions: '{name}' is not defined under {root}:Actions.";
            }
        }
    }
}
