using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using PowerWatch.Agent.Configuration;

namespace PowerWatch.Agent.Status;

/// <summary>Who made a request that was let through: a token's name and role, or <c>loopback</c>; and from where.</summary>
/// <param name="Who">The token's name; <c>loopback</c> for a request without a token from this host.</param>
/// <param name="Role">The token's role; null without a token.</param>
/// <param name="From">The remote IP address (IPv4-mapped addresses as IPv4).</param>
internal sealed record StatusCaller(string Who, StatusRole? Role, string? From);

/// <summary>
/// The status API's gate, in front of every endpoint (README "Who may silence an alarm"):
/// <list type="bullet">
/// <item>A request with <c>Authorization: Bearer</c> is judged by its token alone: unknown → 401; a write
/// (any method but GET and HEAD) with a viewer token → 403.</item>
/// <item>Without a token, reads (and the page) are open from loopback; from other hosts they need a token when
/// tokens are configured.</item>
/// <item>Without a token, writes are refused (401) when tokens are configured; otherwise accepted only from loopback,
/// with a loopback <c>Host</c> (no DNS rebinding), not cross-site (<c>Sec-Fetch-Site</c> same-origin or none, an
/// <c>Origin</c> equal to the agent's own), and non-simple (<c>X-PowerWatch: 1</c> or a JSON content type), which a
/// browser does not send cross-site without a CORS preflight this API never answers.</item>
/// </list>
/// </summary>
internal static class StatusAccess
{
    /// <summary>The custom header that makes a write non-simple (the status page sends it).</summary>
    public const string RequestHeader = "X-PowerWatch";

    /// <summary>The caller of a request without a token from this host.</summary>
    public const string Loopback = "loopback";

    private const string CallerKey = "PowerWatch.StatusCaller";

    /// <summary>Puts the gate in front of the endpoints mapped after it.</summary>
    public static IApplicationBuilder UsePowerWatchStatusAccess(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var tokens = app.ApplicationServices.GetRequiredService<StatusTokenSet>();
        var refusals = new StatusRefusalLog(
            app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StatusAccess).FullName!),
            app.ApplicationServices.GetRequiredService<TimeProvider>());
        return app.Use(async (context, next) =>
        {
            var (caller, refusal) = Decide(context.Request, context.Connection.RemoteIpAddress, tokens);
            if (refusal is not null)
            {
                refusals.Refusal(context.Request.Method, context.Request.Path.Value ?? "/", Address(context.Connection.RemoteIpAddress), refusal.Value.Status, refusal.Value.Reason);
                context.Response.StatusCode = refusal.Value.Status;
                if (refusal.Value.Status == StatusCodes.Status401Unauthorized)
                {
                    context.Response.Headers.WWWAuthenticate = "Bearer realm=\"powerwatch\"";
                }

                await context.Response.WriteAsJsonAsync(new ErrorDto(refusal.Value.Reason), StatusJsonContext.Default.ErrorDto, cancellationToken: context.RequestAborted);
                return;
            }

            context.Items[CallerKey] = caller;
            await next(context);
        });
    }

    /// <summary>
    /// The caller the gate let through (for the audit of acknowledge and shelve). Fails closed: a write reaching an
    /// endpoint without the gate is an error, never an anonymous success.
    /// </summary>
    public static StatusCaller Caller(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[CallerKey] as StatusCaller
            ?? throw new InvalidOperationException("the status access gate (UsePowerWatchStatusAccess) did not run for this request");
    }

    /// <summary>Lets the request through (a caller) or refuses it (status and reason); never echoes a token.</summary>
    internal static (StatusCaller? Caller, (int Status, string Reason)? Refusal) Decide(HttpRequest request, IPAddress? remote, StatusTokenSet tokens)
    {
        var from = Address(remote);
        var loopback = remote is not null && IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote);
        var write = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method));
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return Refuse(StatusCodes.Status401Unauthorized, "the Authorization header must be 'Bearer <token>'");
            }

            if (tokens.Authenticate(authorization["Bearer ".Length..].Trim()) is not { } token)
            {
                return Refuse(StatusCodes.Status401Unauthorized, tokens.Any ? "token not accepted" : "token not accepted: no tokens are configured (PowerWatch:Status:Tokens)");
            }

            if (write && token.Role < StatusRole.Operator)
            {
                return Refuse(StatusCodes.Status403Forbidden, $"token '{token.Name}' has the role {Wire(token.Role)}; acknowledge and shelve need operator");
            }

            return (new StatusCaller(token.Name, token.Role, from), null);
        }

        if (!write)
        {
            // The page itself holds no data; everything it shows comes from the API, behind this gate.
            var page = request.Path == "/";
            return tokens.Any && !loopback && !page
                ? Refuse(StatusCodes.Status401Unauthorized, "a viewer or operator token is required from another host (Authorization: Bearer <token>)")
                : (new StatusCaller(loopback ? Loopback : "anonymous", null, from), null);
        }

        if (tokens.Any)
        {
            return Refuse(StatusCodes.Status401Unauthorized, "acknowledge and shelve need an operator token (Authorization: Bearer <token>)");
        }

        if (!loopback)
        {
            return Refuse(StatusCodes.Status403Forbidden, "without tokens (PowerWatch:Status:Tokens) acknowledge and shelve are accepted only from this host (loopback)");
        }

        return CrossSite(request) is { } reason
            ? Refuse(StatusCodes.Status403Forbidden, reason)
            : (new StatusCaller(Loopback, null, from), null);
    }

    /// <summary>Why a tokenless write from loopback may come from another site, or null when it cannot.</summary>
    private static string? CrossSite(HttpRequest request)
    {
        if (!LoopbackHost(request.Host.Host))
        {
            return $"cross-site request refused: Host '{request.Host}' is not a loopback name or address";
        }

        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0 && fetchSite is not ("same-origin" or "none"))
        {
            return $"cross-site request refused (Sec-Fetch-Site: {fetchSite})";
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return "cross-site request refused (Origin is not this agent)";
        }

        var json = MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            && (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
        return json || request.Headers[RequestHeader] == "1"
            ? null
            : $"send the header {RequestHeader}: 1 (or a JSON body): a simple request may come from any web page";
    }

    private static bool LoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static string? Address(IPAddress? remote) =>
        remote is null ? null : (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString();

    private static string Wire(StatusRole role) => role.ToString().ToLowerInvariant();

    private static (StatusCaller?, (int, string)?) Refuse(int status, string reason) => (null, (status, reason));
}
