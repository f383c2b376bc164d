using System.CommandLine;
using System.Net.Sockets;
using PowerWatch.Simulators.Faces;

namespace PowerWatch.Simulator;

/// <summary><c>powerwatch-sim control PORT COMMAND…</c>: one command to a running <c>serve</c>'s control channel.</summary>
internal static class ControlVerb
{
    public static Command Create()
    {
        var port = new Argument<int>("port") { Description = "the control port `serve` printed (control tcp://127.0.0.1:PORT)" };
        var words = new Argument<string[]>("command") { Description = "the command and its arguments, e.g. utility.fail, or fault ups delay 2s (try help)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("control", "send one command to a running `powerwatch-sim serve` (no nc needed); exit 0 on ok, 1 on error") { port, words };
        command.SetAction(async (parse, ct) =>
        {
            var p = parse.GetValue(port);
            try
            {
                var reply = await ControlClient.SendAsync(p, string.Join(' ', parse.GetValue(words)!), ct).ConfigureAwait(false);
                foreach (var line in reply)
                {
                    await Console.Out.WriteLineAsync(line).ConfigureAwait(false);
                }

                return reply.Count > 0 && reply[^1] == "ok" ? 0 : 1;
            }
            catch (SocketException ex)
            {
                await Console.Error.WriteLineAsync($"control: nothing answers on 127.0.0.1:{p} ({ex.SocketErrorCode}); start `powerwatch-sim serve` and use the control port it prints").ConfigureAwait(false);
                return 2;
            }
        });
        return command;
    }
}
