using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Configuration;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace PowerWatch.Agent.Hosting;

/// <summary>Options of <see cref="OperatorConsoleFormatter"/> (configuration <c>Logging:Console:FormatterOptions</c>).</summary>
internal sealed class OperatorConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>Write the full category and event id (<c>PowerWatch.Agent.Alerts.AlertService[4001]</c>) and whole exceptions; <c>--verbose</c> sets it.</summary>
    public bool Verbose { get; set; }
}

/// <summary>
/// The console log format for operators: one line of time, level, a short source and the message
/// (<c>14:02:07 warn  alerts: UPS ups on battery …</c>); an exception adds its type and message to the line. With
/// <see cref="OperatorConsoleFormatterOptions.Verbose"/> the source is the full category with the event id and an
/// exception is written whole on the following lines. <c>Logging:Console:FormatterName</c> = <c>json</c> or
/// <c>simple</c> selects the built-in formats instead.
/// </summary>
internal sealed class OperatorConsoleFormatter : ConsoleFormatter, IDisposable
{
    /// <summary>The formatter's name (<c>Logging:Console:FormatterName</c>).</summary>
    public const string FormatterName = "operator";

    /// <summary>The configuration key <c>--verbose</c> sets.</summary>
    public const string VerboseKey = "Logging:Console:FormatterOptions:Verbose";

    private readonly IDisposable? _reload;
    private readonly TimeProvider _time;
    private OperatorConsoleFormatterOptions _options;

    public OperatorConsoleFormatter(IOptionsMonitor<OperatorConsoleFormatterOptions> options, TimeProvider? timeProvider = null)
        : base(FormatterName)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.CurrentValue;
        _reload = options.OnChange(o => _options = o);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var options = _options;
        var now = options.UseUtcTimestamp ? _time.GetUtcNow() : _time.GetLocalNow();
        textWriter.Write(now.ToString(options.TimestampFormat ?? "HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(' ');
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(' ');
        if (options.Verbose)
        {
            textWriter.Write(logEntry.Category);
            textWriter.Write('[');
            textWriter.Write(logEntry.EventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            textWriter.Write(']');
        }
        else
        {
            textWriter.Write(ShortSource(logEntry.Category));
        }

        textWriter.Write(": ");
        textWriter.Write(OneLine(message ?? ""));
        if (logEntry.Exception is { } ex)
        {
            if (options.Verbose)
            {
                textWriter.Write(Environment.NewLine);
                textWriter.Write(ex.ToString());
            }
            else
            {
                textWriter.Write($" ({ex.GetType().Name}: {OneLine(ex.Message)})");
            }
        }

        textWriter.Write(Environment.NewLine);
    }

    /// <summary>
    /// The short source of a category: for PowerWatch's own types the area, i.e. the last namespace segment in lower
    /// case (<c>PowerWatch.Agent.Alerts.AlertService</c> → <c>alerts</c>, <c>PowerWatch.Agent.Outputs.Mqtt.MqttOutput</c>
    /// → <c>mqtt</c>); for others the last segment (<c>Microsoft.Hosting.Lifetime</c> → <c>Lifetime</c>).
    /// </summary>
    internal static string ShortSource(string category)
    {
        var parts = category.Split('.');
        return category.StartsWith("PowerWatch.", StringComparison.Ordinal) && parts.Length >= 3
            ? parts[^2].ToLowerInvariant()
            : parts[^1];
    }

    public void Dispose() => _reload?.Dispose();

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private static string OneLine(string text) => text.Contains('\n', StringComparison.Ordinal) ? text.ReplaceLineEndings(" ") : text;
}

/// <summary>Registers the operator console format.</summary>
internal static class OperatorConsoleLogging
{
    /// <summary>
    /// The console logger with <see cref="OperatorConsoleFormatter"/> as its format unless the configuration names
    /// another (<c>Logging:Console:FormatterName</c>); <paramref name="verbose"/> forces the full categories.
    /// </summary>
    public static ILoggingBuilder AddOperatorConsole(this ILoggingBuilder logging, bool verbose = false)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.AddConsole();
        // Over whatever a host builder chose before (the slim web builder picks "simple"): only the configuration's
        // Logging:Console:FormatterName may choose another format.
        logging.Services.AddOptions<ConsoleLoggerOptions>().Configure<ILoggerProviderConfiguration<ConsoleLoggerProvider>>(
            (o, provider) => o.FormatterName = provider.Configuration["FormatterName"] is { Length: > 0 } configured ? configured : OperatorConsoleFormatter.FormatterName);
        // Registered by hand rather than with AddConsoleFormatter, whose reflection binding of the options is not
        // trim-safe (Native AOT): the same keys under Logging:Console:FormatterOptions, read one by one.
        logging.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter, OperatorConsoleFormatter>());
        logging.Services.AddOptions<OperatorConsoleFormatterOptions>().Configure<ILoggerProviderConfiguration<ConsoleLoggerProvider>>((o, provider) =>
        {
            var section = provider.Configuration.GetSection("FormatterOptions");
            o.TimestampFormat = section["TimestampFormat"] is { Length: > 0 } format ? format : "HH:mm:ss";
            o.Verbose = verbose || (bool.TryParse(section["Verbose"], out var v) && v);
            o.UseUtcTimestamp = bool.TryParse(section["UseUtcTimestamp"], out var utc) && utc;
            o.IncludeScopes = bool.TryParse(section["IncludeScopes"], out var scopes) && scopes;
        });
        return logging;
    }

    /// <summary>A console-only logger factory in the operator format (for verbs without a host, e.g. ingest).</summary>
    public static ILoggerFactory CreateFactory(bool verbose = false) =>
        LoggerFactory.Create(b => b.AddOperatorConsole(verbose));
}
