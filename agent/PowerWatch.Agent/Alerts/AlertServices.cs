using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PowerWatch.Agent.Alerts.Actions;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Inputs.Modbus;
using PowerWatch.Agent.Outputs;

namespace PowerWatch.Agent.Alerts;

/// <summary>Registration of the alert engine and failover analyzer service and of the alert actions.</summary>
internal static class AlertServices
{
    public static IServiceCollection AddPowerWatchAlerts(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<AgentOptions>, AlertActionsOptionsValidator>();

        // modbus-write actions reach the device through the endpoint client its poller uses (the host's pool).
        services.AddSingleton(sp =>
        {
            var context = sp.GetRequiredService<InputContext>();
            return new AlertActionDispatcher(
                sp.GetRequiredService<IOptions<AgentOptions>>().Value.Alerts,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<AlertActionDispatcher>>(),
                sp.GetRequiredService<IEventPublisher>(),
                id => ModbusInputFactory.FindTarget(id, context));
        });
        services.AddSingleton<AlertService>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<AlertService>());
        return services;
    }

    private sealed class AlertActionsOptionsValidator : IValidateOptions<AgentOptions>
    {
        public ValidateOptionsResult Validate(string? name, AgentOptions options)
        {
            var a = options.Alerts;
            var problems = AlertActionValidation.Validate(a.Actions, a.Triggers,
                a.Rules.Select((r, i) => ($"{AgentOptions.Section}:Alerts:Rules:{i}", (IReadOnlyList<string>)r.Actions)), a.ActionQueueCapacity).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
