using PowerWatch.Agent.Cli;

return await PowerWatchCommandLine.Build().Parse(args).InvokeAsync();
