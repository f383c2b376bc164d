using System.Text.RegularExpressions;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Docs;

/// <summary>
/// Issue 15: the README and the docs run as written on a fresh clone. Every shell block of every Markdown file is
/// extracted; each command must name a program a fresh clone has (a project of this repository through
/// <c>dotnet run --project</c>/<c>dotnet test</c>, a script of the repository through <c>bash</c>, or one of the few
/// system tools below); each <c>--option</c> must be in the real <c>--help</c> of its verb (every help is run and must
/// exit 0); and the harmless commands (<c>check-config</c>, <c>site</c>, physics-only <c>run</c>) are run as written
/// from the repository root and must exit 0. The programs are the builds of the same configuration as this test
/// assembly, started with the documented arguments (no build inside a test).
/// </summary>
public sealed class DocsCommandTests
{
    /// <summary>
    /// Programs not built by the repository that a command may use, with why a reader has them: the .NET SDK is the
    /// one prerequisite; bash, cp, mkdir come with any Linux; sudo and systemctl are the service host's
    /// (install/README.md); curl is named in the README for the API examples.
    /// </summary>
    private static readonly string[] SystemTools = ["dotnet", "bash", "cp", "mkdir", "sudo", "systemctl", "curl"];

    /// <summary>Projects whose verbs are System.CommandLine verbs with a real <c>--help</c>; true when the program has verbs.</summary>
    private static readonly Dictionary<string, bool> CommandLinePrograms = new(StringComparer.Ordinal)
    {
        ["agent/PowerWatch.Agent"] = true,
        ["simulators/PowerWatch.Simulator"] = true,
        ["demo/PowerWatch.Demo"] = false,
    };

    /// <summary>(project, verb) pairs that change nothing and end by themselves: run as documented.</summary>
    private static readonly (string Project, string Verb)[] Harmless =
    [
        ("agent/PowerWatch.Agent", "check-config"),
        ("simulators/PowerWatch.Simulator", "site"),
        ("simulators/PowerWatch.Simulator", "run"),
    ];

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static string Repo => DocCommands.Repo;

    [Fact]
    public void Shell_block_parser_joins_continuations_cuts_comments_and_keeps_quoted_hashes()
    {
        const string markdown = "text\n```bash\n# a comment line\nA=1 dotnet run --project x -- serve \\\n    --base-port 0   # trailing\ncurl -X POST 'http://h/a#b'\n```\n```\nnot shell\n```\n";
        var blocks = DocCommands.Blocks(markdown).ToList();
        Assert.Equal(["bash", ""], blocks.Select(b => b.Tag));
        var commands = DocCommands.Commands("x.md", blocks[0].FirstLine, blocks[0].Lines).ToList();
        Assert.Equal(["A=1 dotnet run --project x -- serve --base-port 0", "curl -X POST 'http://h/a#b'"], commands.Select(c => c.Text));
        Assert.Equal([4, 6], commands.Select(c => c.Line));
        Assert.Equal(["curl", "-X", "POST", "http://h/a#b"], commands[1].Program);
        Assert.Equal("1", commands[0].Environment["A"]);
        Assert.Equal(["dotnet", "run", "--project", "x", "--", "serve", "--base-port", "0"], commands[0].Program);
    }

    [Fact]
    public void Readme_starts_with_exactly_the_two_set_up_commands_and_both_exist()
    {
        var first = DocCommands.Blocks(File.ReadAllText(Path.Combine(Repo, "README.md"))).First();
        Assert.Equal("bash", first.Tag);
        var commands = DocCommands.Commands("README.md", first.FirstLine, first.Lines).Select(c => c.Text).ToList();
        Assert.Equal(["dotnet run --project demo/PowerWatch.Demo -c Release", "bash tests/run.sh"], commands);
        Assert.True(File.Exists(Path.Combine(Repo, "demo", "PowerWatch.Demo", "PowerWatch.Demo.csproj")));
        Assert.True(File.Exists(Path.Combine(Repo, "tests", "run.sh")));
    }

    [Fact]
    public void Untyped_blocks_hold_no_commands_so_none_escapes_these_checks()
    {
        var untagged = DocCommands.MarkdownFiles()
            .SelectMany(f => DocCommands.Blocks(File.ReadAllText(Path.Combine(Repo, f))).Where(b => b.Tag.Length == 0)
                .Where(b => b.Lines.FirstOrDefault(l => l.Trim().Length > 0) is { } l && Regex.IsMatch(l.Trim(), @"^(sudo |dotnet |bash |curl |nc |powerwatch)"))
                .Select(b => $"{f}:{b.FirstLine}: {b.Lines[0]}"))
            .ToList();
        Assert.True(untagged.Count == 0, "command blocks without ```bash (so not checked):\n" + string.Join('\n', untagged));
    }

    [Fact]
    public void Every_documented_command_names_a_program_a_fresh_clone_has()
    {
        var commands = DocCommands.All();
        // The extractor must see the README's commands and the docs' (an extractor that finds nothing passes nothing).
        Assert.True(commands.Count >= 30, $"only {commands.Count} commands found");
        Assert.Contains(commands, c => c.File == "README.md" && c.Text.Contains("check-config install/examples/powerwatch.json", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.File == "docs/runbook.md");

        var wrong = commands.Select(c => (Command: c, Problem: ProgramProblem(c))).Where(x => x.Problem is not null).Select(x => $"{x.Command}\n    {x.Problem}").ToList();
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public async Task Every_documented_option_is_in_its_verbs_real_help_and_every_help_exits_0()
    {
        var helps = new Dictionary<(string, string), string>();
        var wrong = new List<string>();
        foreach (var c in DocCommands.All())
        {
            if (DotnetRun(c) is not { } run)
            {
                continue;
            }

            var options = run.Arguments.SelectMany(OptionNames).ToList();
            if (CommandLinePrograms.TryGetValue(run.Project, out var hasVerbs))
            {
                var verb = hasVerbs && run.Arguments.Count > 0 && !run.Arguments[0].StartsWith('-') && !run.Arguments[0].StartsWith('<') ? run.Arguments[0] : "";
                if (!helps.TryGetValue((run.Project, verb), out var help))
                {
                    var (exit, output) = await RunProgramAsync(run.Project, verb.Length > 0 ? [verb, "--help"] : ["--help"], new Dictionary<string, string>());
                    Assert.True(exit == 0, $"{c}\n  {verb} --help exited {exit}:\n{output}");
                    helps[(run.Project, verb)] = help = output;
                }

                wrong.AddRange(options.Where(o => !Regex.IsMatch(help, $@"(^|[\s,]){Regex.Escape(o)}($|[\s,=<])", RegexOptions.Multiline))
                    .Select(o => $"{c}\n    {o} is not an option of '{verb}' (--help:\n{help})"));
            }
            else
            {
                // Programs without --help (benchmarks, the outbox crash host): the verb and every option must be
                // literals of the program's own source.
                var source = string.Join('\n', Directory.EnumerateFiles(Path.Combine(Repo, run.Project), "*.cs", SearchOption.AllDirectories)
                    .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                    .Select(File.ReadAllText));
                var verb = run.Arguments.Count > 0 ? run.Arguments[0] : null;
                if (verb is not null && !verb.StartsWith('<') && !verb.StartsWith('-') && !source.Contains($"\"{verb}\"", StringComparison.Ordinal))
                {
                    wrong.Add($"{c}\n    verb '{verb}' is not in {run.Project}");
                }

                wrong.AddRange(options.Where(o => !source.Contains($"\"{o}\"", StringComparison.Ordinal)).Select(o => $"{c}\n    {o} is not read by {run.Project}"));
            }
        }

        Assert.True(helps.Count >= 6, $"only {helps.Count} helps were run");
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public async Task Harmless_documented_commands_run_as_written_from_the_repository_root_and_exit_0()
    {
        var ran = new List<string>();
        foreach (var c in DocCommands.All())
        {
            if (DotnetRun(c) is not { } run || c.IsSynopsis || run.Arguments.Count == 0
                || !Harmless.Contains((run.Project, run.Arguments[0])))
            {
                continue;
            }

            var (exit, output) = await RunProgramAsync(run.Project, run.Arguments, c.Environment);
            Assert.True(exit == 0, $"{c}\n  exited {exit}:\n{output}");
            ran.Add(c.Text);
        }

        Assert.Contains(ran, t => t.Contains("check-config install/examples/powerwatch.json", StringComparison.Ordinal));
        Assert.Contains(ran, t => t.Contains("-- run simulators/scenarios/generator-fails-to-start.scn", StringComparison.Ordinal));
        Assert.Contains(ran, t => t.EndsWith("-- site", StringComparison.Ordinal));
    }

    /// <summary>Why the command's program is not there on a fresh clone, or null when it is.</summary>
    private static string? ProgramProblem(DocCommand c)
    {
        var program = c.Program;
        if (program.Count == 0)
        {
            return "no program";
        }

        if (!SystemTools.Contains(program[0], StringComparer.Ordinal))
        {
            return $"'{program[0]}' is neither built by this repository (use dotnet run --project …) nor a tool a fresh machine has ({string.Join(", ", SystemTools)})";
        }

        switch (program[0])
        {
            case "dotnet" when program.Count > 1 && program[1] == "run":
                var project = DotnetRun(c)?.Project;
                return project is null ? "dotnet run without --project"
                    : Directory.EnumerateFiles(Path.Combine(Repo, project), "*.csproj").Any() ? null : $"no project at {project}";
            case "dotnet" when program.Count > 2 && program[1] == "test":
                return Directory.Exists(Path.Combine(Repo, program[2])) && Directory.EnumerateFiles(Path.Combine(Repo, program[2]), "*.csproj").Any() ? null : $"no test project at {program[2]}";
            case "dotnet" when program.Count > 2 && program[1] == "publish":
                return Directory.Exists(Path.Combine(Repo, program[2])) && Directory.EnumerateFiles(Path.Combine(Repo, program[2]), "*.csproj").Any() ? null : $"no project at {program[2]}";
            case "dotnet":
                return "only dotnet run --project, dotnet test and dotnet publish of a project here are documented forms";
            case "bash":
                return program.Count > 1 && File.Exists(Path.Combine(Repo, program[1])) ? null : $"no script {string.Join(' ', program.Skip(1))}";
            default:
                return null;
        }
    }

    /// <summary>For <c>dotnet run … --project P … -- args</c>: the project directory (relative) and the program's arguments.</summary>
    private static (string Project, IReadOnlyList<string> Arguments)? DotnetRun(DocCommand c)
    {
        var p = c.Program;
        if (p.Count < 2 || p[0] != "dotnet" || p[1] != "run")
        {
            return null;
        }

        var separator = p.ToList().IndexOf("--");
        var own = separator < 0 ? p.Skip(2).ToList() : p.Take(separator).Skip(2).ToList();
        var at = own.IndexOf("--project");
        if (at < 0 || at + 1 >= own.Count)
        {
            return null;
        }

        var configuration = own.IndexOf("-c");
        Assert.True(configuration < 0 || own[configuration + 1] is "Release" or "Debug", $"{c}: unknown configuration");
        return (own[at + 1].TrimEnd('/'), separator < 0 ? [] : [.. p.Skip(separator + 1)]);
    }

    /// <summary>The option names a word carries: <c>[--speed</c> → --speed, <c>--only=x</c> → --only.</summary>
    private static IEnumerable<string> OptionNames(string word) =>
        word.Split('|').Select(w => w.Trim('[', ']')).Where(w => w.StartsWith("--", StringComparison.Ordinal) && w.Length > 2)
            .Select(w => w.Split('=')[0]);

    /// <summary>Runs the built program of a project with the given arguments, from the repository root.</summary>
    private static Task<(int ExitCode, string Output)> RunProgramAsync(string project, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var bin = AppContext.BaseDirectory;
        string[] launcher = project switch
        {
            // The test's own deps file lists every assembly next to powerwatch.dll (see MqttOutputPeerTests).
            "agent/PowerWatch.Agent" => ["exec", "--runtimeconfig", Path.Combine(bin, "powerwatch.runtimeconfig.json"), "--depsfile", Path.Combine(bin, "PowerWatch.Agent.Tests.deps.json"), Path.Combine(bin, "powerwatch.dll")],
            "demo/PowerWatch.Demo" => [Path.Combine(bin, "powerwatch-demo.dll")],
            "simulators/PowerWatch.Simulator" => [SimulatorDll()],
            _ => throw new InvalidOperationException($"no build of {project} for this test"),
        };
        var env = environment.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        // A documented DataDirectory such as /tmp/pw stays as written; nothing here writes there (harmless verbs only).
        return PeerProcess.RunAsync(Peers.Require("dotnet"), [.. launcher, .. arguments], Patience, workingDirectory: Repo, environment: env);
    }

    /// <summary>powerwatch-sim.dll of the same configuration as this test assembly.</summary>
    private static string SimulatorDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var own = Path.Combine(Repo, "simulators", "PowerWatch.Simulator", "bin", here.Parent!.Name, here.Name, "powerwatch-sim.dll");
        return File.Exists(own) ? own : throw new InvalidOperationException($"{own} not found: build simulators/PowerWatch.Simulator in the same configuration");
    }
}
