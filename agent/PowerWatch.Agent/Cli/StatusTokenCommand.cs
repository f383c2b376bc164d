using System.CommandLine;
using System.Text.Json;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Status;

namespace PowerWatch.Agent.Cli;

/// <summary>
/// <c>powerwatch status-token NAME [--role viewer|operator|admin]</c>: makes a new status API token and prints it once,
/// with the configuration entry holding only its salted hash (the agent never stores the token itself).
/// </summary>
internal static class StatusTokenCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "who holds the token (letters, digits, '.', '-', '_'); the \"by\" of the audit events" };
        var role = new Option<StatusRole>("--role") { Description = "viewer (read), operator (read, acknowledge, shelve) or admin", DefaultValueFactory = _ => StatusRole.Operator };
        var command = new Command("status-token", "Make a status API bearer token: print it once, and the PowerWatch:Status:Tokens entry with its hash");
        command.Arguments.Add(name);
        command.Options.Add(role);
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(name)!;
            if (!StatusTokenSet.IsValidName(n))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"status-token: '{n}' is not a token name (1-64 letters, digits, '.', '-', '_')");
                return 2;
            }

            var (token, entry, hash) = Make(n, parse.GetValue(role));
            await parse.InvocationConfiguration.Output.WriteLineAsync(string.Join(Environment.NewLine,
                $"token for {n} (shown once, not stored; the client sends it as Authorization: Bearer <token>):",
                token,
                "PowerWatch:Status:Tokens entry:",
                entry,
                "or the hash alone, in a HashFile (e.g. a systemd credential):",
                hash));
            return 0;
        });
        return command;
    }

    /// <summary>A new token, its configuration entry (JSON) and its hash line.</summary>
    internal static (string Token, string Entry, string Hash) Make(string name, StatusRole role)
    {
        var token = StatusTokenHash.NewToken();
        var hash = StatusTokenHash.NewHashLine(token);
        var entry = $"{{ \"Name\": {JsonSerializer.Serialize(name, CliJsonContext.Default.String)}, \"Role\": \"{role.ToString().ToLowerInvariant()}\", \"Hash\": \"{hash}\" }}";
        return (token, entry, hash);
    }
}

/// <summary>Source-generated JSON for the CLI's own output.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class CliJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
