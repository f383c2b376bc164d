namespace PowerWatch.Core.Alerts;

/// <summary>What one evaluation of a rule (or an external condition) found for one device.</summary>
/// <param name="Active">Whether the condition holds now.</param>
/// <param name="IgnoreFor">Raise at once, whatever the rule's <c>for</c> (the stale rule waits inside its own evaluation).</param>
/// <param name="Now">What the condition is now (the value and unit), for an alert waiting to clear and for the clear.</param>
internal sealed record AlertVerdict(bool Active, AlertSeverity Severity, string Message, double? Value, string? Unit, bool IgnoreFor = false, string? Now = null);
