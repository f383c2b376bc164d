using System.IO.Compression;
using System.Net;

namespace PowerWatch.Influx.Tests;

/// <summary>An HTTP handler that records requests and answers from a script.</summary>
internal sealed class FakeHandler : HttpMessageHandler
{
    private readonly Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> _respond;

    public FakeHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> respond)
    {
        _respond = respond;
    }

    public FakeHandler(HttpStatusCode status, string? body = null, Action<HttpResponseMessage>? configure = null)
        : this((_, _) =>
        {
            var r = new HttpResponseMessage(status);
            if (body is not null)
            {
                r.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }

            configure?.Invoke(r);
            return Task.FromResult(r);
        })
    {
    }

    public List<Recorded> Requests { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var raw = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var body = raw;
        if (request.Content?.Headers.ContentEncoding.Contains("gzip") == true)
        {
            using var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            await gz.CopyToAsync(ms, cancellationToken);
            body = ms.ToArray();
        }

        lock (Requests)
        {
            Requests.Add(new Recorded(request.Method, request.RequestUri!, request.Headers.Authorization?.ToString(),
                request.Content?.Headers.ContentEncoding.ToArray() ?? [], request.Content?.Headers.ContentType?.ToString(), raw, body));
        }

        return await _respond(request, cancellationToken);
    }

    internal sealed record Recorded(HttpMethod Method, Uri Uri, string? Authorization, string[] ContentEncoding, string? ContentType, byte[] RawBody, byte[] Body)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Body);
    }
}
