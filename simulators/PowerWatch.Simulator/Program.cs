using System.CommandLine;
using PowerWatch.Simulator;

var root = new RootCommand("powerwatch-sim: simulated power site (utility, ATS, generator, UPS, PDUs, meter)");
root.Subcommands.Add(RunVerb.Create());
root.Subcommands.Add(SiteVerb.Create());
root.Subcommands.Add(ServeVerb.Create());
root.Subcommands.Add(ControlVerb.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
