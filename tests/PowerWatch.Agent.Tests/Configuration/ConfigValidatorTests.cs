using System.Text.Json;
using Microsoft.Extensions.Configuration;
using PowerWatch.Agent.Cli;
using PowerWatch.Agent.Configuration;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Configuration;

public sealed class ConfigValidatorTests
{
    private static IReadOnlyList<ConfigProblem> Check(string json)
    {
        using var dir = new TempDir();
        var path = dir.File("site.json");
        File.WriteAllText(path, json);
        return PowerWatchCommandLine.LoadAndValidate(path, out _);
    }

    [Fact]
    public void Valid_configuration_has_no_problems()
    {
        var problems = Check("""
            { "PowerWatch": { "Site": "dc1", "Agent": "edge-1",
              "Devices": [
                { "Id": "ups-a", "Kind": "ups", "Endpoint": "tcp://127.0.0.1:5020", "Profile": "apc-smart-ups-modbus" },
                { "Id": "gen-1", "Kind": "generator", "Endpoint": "rtu+tcp://127.0.0.1:5021", "UnitId": 10, "Profile": "dse-gencomm" },
                { "Id": "ats-1", "Kind": "ats", "Endpoint": "serial:///dev/ttyUSB0", "Profile": "socomec-atys-pm", "Serial": { "BaudRate": 19200, "Parity": "even" } },
                { "Id": "pdu-1", "Kind": "pdu", "Endpoint": "tcp://127.0.0.1:5022", "Profile": "raritan-xerus-pdu" },
                { "Id": "ups-b", "Kind": "ups", "Input": "nut", "Endpoint": "nut://127.0.0.1:3493/sim" }
              ],
              "Topology": { "Ats": [ { "Id": "ats-1", "Generator": "gen-1", "Feeds": [ "ups-a" ] } ], "Ups": [ { "Id": "ups-a", "Pdus": [ "pdu-1" ] } ] } } }
            """);
        Assert.Empty(problems);
    }

    [Fact]
    public void Every_problem_is_reported_with_its_key_path()
    {
        var problems = Check("""
            { "PowerWatch": { "Site": "dc 1", "Agent": "a",
              "Devices": [
                { "Id": "ups-a", "Kind": "ups", "Endpoint": "tcp://127.0.0.1:5020", "Profile": "apc", "PollInterval": "soon" },
                { "Id": "ups-a", "Kind": "toaster", "Endpoint": "ftp://x", "Profil": "x" }
              ],
              "Topology": { "Ups": [ { "Id": "gen", "Pdus": [ "ups-a" ] } ] } } }
            """).Select(p => p.ToString()).ToList();

        Assert.Contains(problems, p => p.StartsWith("PowerWatch:Devices:0:PollInterval: 'soon' is not a duration: hh:mm:ss, e.g. 00:00:05", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PowerWatch:Devices:1:Profil: unknown key 'Profil'; did you mean 'Profile'?", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.StartsWith("PowerWatch:Devices:1:Id", StringComparison.Ordinal) && !p.Contains("duplicate", StringComparison.Ordinal));
    }

    [Fact]
    public void A_text_setting_given_an_object_or_a_list_is_a_problem_that_does_not_echo_it()
    {
        var problems = Check("""
            { "PowerWatch": { "Site": "dc1",
              "Mqtt": { "Enabled": true, "Username": "agent", "Password": { "Value": "s3cret-in-an-object" } },
              "Ingest": { "Influx": { "Token": [ "s3cret-in-a-list" ] } } } }
            """).Select(p => p.ToString()).ToList();

        Assert.Contains(problems, p => p.StartsWith("PowerWatch:Mqtt:Password: expected a text value, found an object or a list", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PowerWatch:Ingest:Influx:Token: expected a text value, found an object or a list", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("s3cret", StringComparison.Ordinal));
    }

    [Fact]
    public void Semantic_problems_are_all_reported_together()
    {
        var problems = Check("""
            { "PowerWatch": { "Site": "dc 1", "Agent": "a",
              "Devices": [
                { "Id": "ups-a", "Kind": "ups", "Endpoint": "tcp://127.0.0.1:5020", "Profile": "apc" },
                { "Id": "ups-a", "Kind": "toaster", "Endpoint": "ftp://x" },
                { "Id": "x", "Kind": "pdu", "Endpoint": "tcp://h:1", "Profile": "p", "UnitId": 250, "Timeout": "00:00:05" }
              ],
              "Topology": { "Ups": [ { "Id": "gen", "Pdus": [ "ups-a" ] } ] } } }
            """).Select(p => p.Key).ToList();

        Assert.Equal(
            [
                "PowerWatch:Site",
                "PowerWatch:Devices:1:Id",
                "PowerWatch:Devices:1:Kind",
                "PowerWatch:Devices:1:Endpoint",
                "PowerWatch:Devices:1:Profile",
                "PowerWatch:Devices:2:UnitId",
                "PowerWatch:Devices:2:Timeout",
                "PowerWatch:Topology:Ups:0:Id",
                "PowerWatch:Topology:Ups:0:Pdus:0",
            ],
            problems);
    }

    [Fact]
    public void Megatec_runtime_calibration_is_validated_with_its_key_path()
    {
        var problems = Check("""
            { "PowerWatch": { "Site": "dc1", "Agent": "a",
              "Devices": [ { "Id": "ups-q", "Kind": "ups", "Input": "megatec-q1", "Endpoint": "serial:///dev/ttyUSB0",
                             "Serial": { "BaudRate": 2400 }, "MegatecQ1": { "RuntimeCal": "240,100,720" } } ] } }
            """);
        var problem = Assert.Single(problems);
        Assert.Equal("PowerWatch:Devices:0:MegatecQ1:RuntimeCal", problem.Key);
        Assert.Contains("four positive numbers", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Named_map_entries_and_the_shared_ingest_section_are_accepted()
    {
        // Alerts:Actions and AllowedCommands are maps keyed by name/device; PowerWatch:Ingest is the ingest
        // service's section in the same file (powerwatch-ingest.service reads the agent's file).
        var problems = Check("""
            { "PowerWatch": { "Site": "dc1", "Agent": "edge-1",
              "Devices": [ { "Id": "gen-1", "Kind": "generator", "Endpoint": "tcp://127.0.0.1:5021", "Profile": "dse-gencomm" } ],
              "Alerts": {
                "Actions": { "page": { "Kind": "webhook", "Url": "http://127.0.0.1:9000/hook", "Headers": { "Authorization": "Bearer x" } } },
                "AllowedCommands": { "gen-1": [ "start" ] } },
              "Ingest": { "Influx": { "Url": "http://127.0.0.1:8086", "Database": "powerwatch" } } } }
            """);
        Assert.Empty(problems);
    }

    [Fact]
    public void Typos_inside_maps_and_the_ingest_section_are_still_reported()
    {
        var problems = Check("""
            { "PowerWatch": { "Site": "dc1", "Agent": "edge-1",
              "Devices": [ { "Id": "gen-1", "Kind": "generator", "Endpoint": "tcp://127.0.0.1:5021", "Profile": "dse-gencomm" } ],
              "Alerts": { "Actions": { "page": { "Kind": "webhook", "Urll": "http://127.0.0.1:9000/hook" } }, "AllowedCommands": { "gen-1": "start" } },
              "Ingest": { "Influx": { "Databse": "powerwatch" } } } }
            """);
        var keys = problems.Select(p => p.Key).ToList();
        Assert.Contains("PowerWatch:Alerts:Actions:page:Urll", keys);
        Assert.Contains("PowerWatch:Alerts:AllowedCommands:gen-1", keys);
        Assert.Contains("PowerWatch:Ingest:Influx:Databse", keys);
    }

    [Fact]
    public async Task Unreadable_file_is_reported_as_permission_denied_not_as_missing()
    {
        // The installed /etc/powerwatch/powerwatch.json is 0640 root:powerwatch; a user running check-config without
        // sudo must learn that, not read "not found" (which the configuration provider reports for unreadable files).
        using var dir = new TempDir();
        var path = dir.File("site.json");
        File.WriteAllText(path, """{ "PowerWatch": { "Site": "dc1" } }""");
        if (Environment.UserName != "root")
        {
            File.SetUnixFileMode(path, UnixFileMode.None);
            var problems = PowerWatchCommandLine.LoadAndValidate(path, out _);
            Assert.Contains("permission denied", Assert.Single(problems).Reason, StringComparison.Ordinal);
            return;
        }

        // As root every file is readable: run check-config as an unprivileged user (setpriv) on a 0600 file.
        var open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(dir.Path, open);
        var dll = Install.SystemdNotifyProcessTests.StageAgent(dir.File("agent"));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var (exit, output) = await PeerProcess.RunAsync(
            "setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=" + dir.Path, "DOTNET_CLI_HOME=" + dir.Path, "dotnet", dll, "check-config", path],
            TimeSpan.FromSeconds(60));
        Assert.Equal(1, exit);
        Assert.Contains("permission denied", output, StringComparison.Ordinal);
        Assert.DoesNotContain("not found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Profile_directory_that_does_not_exist_is_a_configuration_problem()
    {
        var options = new AgentOptions { ProfileDirectory = "/nonexistent/powerwatch/profiles" };
        var (_, _, problems) = await PowerWatch.Agent.Hosting.AgentServices.LoadProfilesForAsync(options, CancellationToken.None);
        var p = Assert.Single(problems);
        Assert.Equal("PowerWatch:ProfileDirectory", p.Key);
        Assert.Contains("'/nonexistent/powerwatch/profiles' not found", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Device_naming_an_unknown_profile_is_reported_with_its_key_and_the_known_ones()
    {
        var options = new AgentOptions
        {
            ProfileDirectory = Path.Combine(AppContext.BaseDirectory, "profiles"),
            Devices =
            [
                new DeviceOptions { Id = "ups", Kind = "ups", Endpoint = "tcp://127.0.0.1:1", Profile = "apc-smart-ups-modbus" },
                new DeviceOptions { Id = "gen", Kind = "generator", Endpoint = "tcp://127.0.0.1:2", Profile = "dse-gencom" },
            ],
        };
        var (profiles, fileProblems, problems) = await PowerWatch.Agent.Hosting.AgentServices.LoadProfilesForAsync(options, CancellationToken.None);
        Assert.Empty(fileProblems);
        Assert.Contains("dse-gencomm", profiles.Keys);
        var p = Assert.Single(problems);
        Assert.Equal("PowerWatch:Devices:1:Profile", p.Key);
        Assert.Contains("'dse-gencom' is not a profile", p.Reason, StringComparison.Ordinal);
        Assert.Contains("dse-gencomm", p.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ats", "powerwatch-ats-v1", "socomec-atys-pm")]
    [InlineData("pdu", "powerwatch-pdu-v1", "raritan-xerus-pdu")]
    public async Task Device_naming_a_retired_profile_is_told_which_real_map_replaces_it(string kind, string retired, string replacement)
    {
        var options = new AgentOptions
        {
            ProfileDirectory = Path.Combine(AppContext.BaseDirectory, "profiles"),
            Devices = [new DeviceOptions { Id = "dev", Kind = kind, Endpoint = "tcp://127.0.0.1:1", Profile = retired }],
        };

        var (profiles, fileProblems, problems) = await PowerWatch.Agent.Hosting.AgentServices.LoadProfilesForAsync(options, CancellationToken.None);

        Assert.Empty(fileProblems);
        Assert.DoesNotContain(retired, profiles.Keys);
        Assert.Contains(replacement, profiles.Keys);
        var p = Assert.Single(problems);
        Assert.Equal("PowerWatch:Devices:0:Profile", p.Key);
        Assert.Contains($"'{retired}' is not a profile", p.Reason, StringComparison.Ordinal);
        Assert.Contains($"it is retired (a map PowerWatch invented, no real device speaks it): use '{replacement}'", p.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Run_on_a_status_port_in_use_prints_one_line_naming_the_option_and_exits_2(bool viaOption)
    {
        using var dir = new TempDir();
        var (taken, port) = LoopbackListener();
        using var listening = taken;
        var path = dir.File("site.json");
        var profiles = JsonSerializer.Serialize(Path.Combine(AppContext.BaseDirectory, "profiles"));
        File.WriteAllText(path, $$"""
            { "PowerWatch": { "Site": "dc1", "Agent": "edge-1", "DataDirectory": "data", "ProfileDirectory": {{profiles}},
              "Status": { "Url": "http://127.0.0.1:{{(viaOption ? 0 : port)}}" },
              "Devices": [ { "Id": "ups", "Kind": "ups", "Endpoint": "tcp://127.0.0.1:1", "Profile": "apc-smart-ups-modbus" } ] } }
            """);
        var dll = Install.SystemdNotifyProcessTests.StageAgent(dir.File("agent"));
        string[] args = viaOption ? [dll, "run", "--config", path, "--status-url", $"http://127.0.0.1:{port}"] : [dll, "run", "--config", path];
        var (exit, output) = await PeerProcess.RunAsync("dotnet", args, TimeSpan.FromSeconds(60), dir.Path, viaOption ? new Dictionary<string, string> { ["PowerWatch__Status__Url"] = "http://127.0.0.1:0" } : null);
        Assert.True(exit == 2, $"exit {exit}: {output}");
        Assert.Equal($"status page: 127.0.0.1:{port} is already in use (another PowerWatch?); choose another with --status-url or Status:Url", output.Trim());
    }

    [Theory]
    [InlineData("run", "--config")]
    [InlineData("ingest", "--config")]
    [InlineData("check-config", null)]
    public async Task Invalid_json_is_one_line_with_line_column_and_reason_for_every_verb(string verb, string? option)
    {
        using var dir = new TempDir();
        var path = dir.File("b6-json.json");
        File.WriteAllText(path, "{ \"PowerWatch\": {\n  \"Site\": \"dc1\"\n  \"Agent\": \"a\" } }\n");
        var dll = Install.SystemdNotifyProcessTests.StageAgent(dir.File("agent"));
        string[] args = option is null ? [dll, verb, path] : [dll, verb, option, path];
        var (exit, output) = await PeerProcess.RunAsync("dotnet", args, TimeSpan.FromSeconds(60), dir.Path);
        Assert.NotEqual(0, exit);
        Assert.StartsWith("b6-json.json: line 3, column 3: invalid JSON: '\"' is invalid after a value. Expected either ',', '}', or ']'", output.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_refused_credentials_is_one_line_and_exit_2()
    {
        using var dir = new TempDir();
        var (broker, port) = LoopbackListener();
        using var listening = broker;
        var refuse = Task.Run(async () =>
        {
            // A broker that answers every CONNECT with MQTT 5 CONNACK "Bad User Name or Password" (0x86).
            using var client = await broker.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[1024];
            _ = await stream.ReadAsync(buffer);
            await stream.WriteAsync(new byte[] { 0x20, 0x03, 0x00, 0x86, 0x00 });
            _ = await stream.ReadAsync(buffer);
        });
        var path = dir.File("ingest.json");
        File.WriteAllText(path, $$"""
            { "PowerWatch": { "Mqtt": { "Host": "127.0.0.1", "Port": {{port}}, "Username": "u", "Password": "wrong" },
              "Ingest": { "Influx": { "Url": "http://127.0.0.1:1", "Database": "powerwatch" } } } }
            """);
        var dll = Install.SystemdNotifyProcessTests.StageAgent(dir.File("agent"));
        var (exit, output) = await PeerProcess.RunAsync("dotnet", [dll, "ingest", "--config", path], TimeSpan.FromSeconds(60), dir.Path);
        Assert.True(exit == 2, $"exit {exit}: {output}");
        Assert.Contains($"ingest.json: MQTT broker 127.0.0.1:{port} refused the credentials (", output, StringComparison.Ordinal);
        Assert.Contains("; check PowerWatch:Mqtt:Username and Password", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        await refuse;
    }

    /// <summary>A listener on 127.0.0.1, port 0 (the system picks a free one), and the port it got.</summary>
    private static (System.Net.Sockets.TcpListener Listener, int Port) LoopbackListener()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return (listener, ((System.Net.IPEndPoint)listener.LocalEndpoint).Port);
    }

    [Fact]
    public void Started_lines_name_devices_status_page_mqtt_target_and_data_directory()
    {
        var options = new AgentOptions { DataDirectory = "/var/lib/powerwatch", Site = "dc1" };
        options.Devices.Add(new DeviceOptions { Id = "ups-a", Kind = "ups", Endpoint = "tcp://127.0.0.1:5020" });
        options.Mqtt.Enabled = true;
        options.Mqtt.Host = "broker.lan";
        options.Mqtt.Port = 1883;
        var lines = PowerWatch.Agent.Hosting.AgentHost.Started(options, ["http://127.0.0.1:8480"]).Split(Environment.NewLine);
        Assert.Equal(
            [
                "powerwatch: polling 1 device(s): ups-a (ups, tcp://127.0.0.1:5020)",
                "powerwatch: status page http://127.0.0.1:8480/",
                $"powerwatch: MQTT broker.lan:1883 (topics {options.Mqtt.TopicPrefix}/dc1/...)",
                "powerwatch: data directory /var/lib/powerwatch",
            ],
            lines);
    }

    [Fact]
    public async Task Run_with_an_unknown_profile_exits_with_the_key_path_instead_of_crashing()
    {
        using var dir = new TempDir();
        var path = dir.File("site.json");
        var profiles = JsonSerializer.Serialize(Path.Combine(AppContext.BaseDirectory, "profiles"));
        File.WriteAllText(path, $$"""
            { "PowerWatch": { "Site": "dc1", "Agent": "edge-1", "DataDirectory": "data", "ProfileDirectory": {{profiles}},
              "Devices": [ { "Id": "ups", "Kind": "ups", "Endpoint": "tcp://127.0.0.1:1", "Profile": "no-such-profile" } ] } }
            """);
        var dll = Install.SystemdNotifyProcessTests.StageAgent(dir.File("agent"));
        var (exit, output) = await PeerProcess.RunAsync("dotnet", [dll, "run", "--config", path], TimeSpan.FromSeconds(60), dir.Path);
        Assert.True(exit == 2, $"exit {exit}: {output}");
        Assert.Contains("site.json: Devices[ups].Profile: 'no-such-profile' is not a profile", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);

        var check = await PeerProcess.RunAsync("dotnet", [dll, "check-config", path], TimeSpan.FromSeconds(60), dir.Path);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("Devices[ups].Profile", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_reported_with_its_full_path()
    {
        using var dir = new TempDir();
        var problems = PowerWatchCommandLine.LoadAndValidate(dir.File("nope.json"), out _);
        Assert.Equal(dir.File("nope.json") + " not found", Assert.Single(problems).Reason);
    }

    [Fact]
    public void File_that_is_not_json_is_reported_as_a_file_problem()
    {
        var problems = Check("{ \"PowerWatch\": { \"Site\": ");
        var problem = Assert.Single(problems);
        Assert.Equal("line 1, column 27", problem.Key);
        Assert.StartsWith("invalid JSON: ", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_style_overrides_bind_over_the_file()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["PowerWatch:Site"] = "dc1",
                ["PowerWatch:Agent"] = "edge",
                ["PowerWatch:Devices:0:Id"] = "ups-a",
                ["PowerWatch:Devices:0:Kind"] = "ups",
                ["PowerWatch:Devices:0:Endpoint"] = "tcp://127.0.0.1:502",
                ["PowerWatch:Devices:0:Profile"] = "apc-smart-ups-modbus",
                ["PowerWatch:Devices:0:PollInterval"] = "00:00:05",
            })
            .Build();
        var (options, problems) = ConfigValidator.BindAndValidate(configuration);
        Assert.Empty(problems);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Devices[0].PollInterval);
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:5020", EndpointKind.Tcp, "tcp://127.0.0.1:5020")]
    [InlineData("tcp://127.0.0.1", EndpointKind.Tcp, "tcp://127.0.0.1:502")]
    [InlineData("rtu+tcp://10.0.0.5:4001", EndpointKind.RtuOverTcp, "rtu+tcp://10.0.0.5:4001")]
    [InlineData("serial:///dev/ttyUSB0", EndpointKind.Serial, "serial:/dev/ttyUSB0")]
    [InlineData("nut://127.0.0.1/sim", EndpointKind.Nut, "nut://127.0.0.1:3493/sim")]
    public void Endpoints_parse_into_transport_keys(string text, object kind, string key)
    {
        Assert.True(DeviceEndpoint.TryParse(text, out var endpoint, out var error), error);
        Assert.Equal((EndpointKind)kind, endpoint!.Kind);
        Assert.Equal(key, endpoint.TransportKey);
    }

    [Theory]
    [InlineData("")]
    [InlineData("serial://")]
    [InlineData("nut://127.0.0.1:3493")]
    [InlineData("http://x:1")]
    [InlineData("not an endpoint")]
    public void Bad_endpoints_are_rejected_with_a_reason(string text)
    {
        Assert.False(DeviceEndpoint.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    // Found by the config fuzz target (docs/fuzzing.md): invalid UTF-8 in a key threw InvalidOperationException out of check-config.
    [Fact]
    public void Configuration_file_with_invalid_utf8_is_one_problem_not_an_exception()
    {
        byte[] bytes = [.. "{ \"Power"u8, 0x86, .. "Watch\": { } }"u8];
        var problem = ConfigFile.SyntaxProblem(bytes);
        Assert.NotNull(problem);
        Assert.Contains("not UTF-8", problem.Reason, StringComparison.Ordinal);
    }
}
