using PowerWatch.Demo;

return await DemoCommand.Create().Parse(args).InvokeAsync();
