using System.Buffers;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace PowerWatch.Influx;

/// <summary>The part of <see cref="InfluxWriter"/> that <see cref="InfluxBatcher"/> needs (a seam for tests and other sinks).</summary>
public interface IInfluxWriteTarget
{
    /// <summary>Sends UTF-8 line protocol (lines separated by <c>\n</c>) once, without retrying.</summary>
    Task<WriteResult> WriteAsync(ReadOnlyMemory<byte> lines, CancellationToken cancellationToken);

    /// <summary>Precision the target declares for timestamps (the batcher encodes points with it).</summary>
    WritePrecision Precision { get; }
}

/// <summary>
/// Writes line protocol to InfluxDB over HTTP, once per call: no hidden retries, so a caller holding acknowledgements
/// sees every outcome. Failures without a response (timeout, connection refused) come back as
/// <see cref="WriteOutcome.Retryable"/>, never as exceptions; only cancellation by the caller's token throws.
/// </summary>
public sealed class InfluxWriter : IInfluxWriteTarget, IAsyncDisposable
{
    private static readonly MediaTypeHeaderValue TextPlain = MediaTypeHeaderValue.Parse("text/plain; charset=utf-8");
    private readonly InfluxWriterOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue? _authorization;

    /// <param name="options">Validated here; the writer keeps its own copy of the values it needs.</param>
    /// <param name="timeProvider">Clock for the request timeout and Retry-After dates; the system clock when null.</param>
    /// <param name="handler">HTTP handler (tests inject a fake); owned and disposed by the caller. A SocketsHttpHandler when null.</param>
    public InfluxWriter(InfluxWriterOptions options, TimeProvider? timeProvider = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _http = handler is null
            ? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.All }, disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
        WriteUri = BuildWriteUri(options);
        if (options.ApiVersion == InfluxApiVersion.V2 && !string.IsNullOrEmpty(options.Token))
        {
            _authorization = new AuthenticationHeaderValue("Token", options.Token);
        }
        else if (options.ApiVersion == InfluxApiVersion.V1 && options.Username is not null && options.UseBasicAuth)
        {
            _authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(options.Username + ":" + options.Password)));
        }
    }

    /// <summary>Precision of the timestamps this writer declares to the server.</summary>
    public WritePrecision Precision => _options.Precision;

    /// <summary>The full write URL, query string included.</summary>
    public Uri WriteUri { get; }

    /// <summary>Encodes the points with the configured precision and writes them.</summary>
    public Task<WriteResult> WriteAsync(IEnumerable<Point> points, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        LineProtocol.Write(buffer, points, _options.Precision);
        return WriteAsync(buffer.WrittenMemory, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<WriteResult> WriteAsync(ReadOnlyMemory<byte> lines, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.Timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, WriteUri);
            request.Headers.Authorization = _authorization;
            HttpContent content = _options.Gzip ? new ByteArrayContent(Compress(lines.Span)) : new ReadOnlyMemoryContent(lines);
            content.Headers.ContentType = TextPlain;
            if (_options.Gzip)
            {
                content.Headers.ContentEncoding.Add("gzip");
            }

            request.Content = content;
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return WriteResult.Accepted(status);
            }

            var body = await response.Content.ReadAsStringAsync(linked.Token);
            var headerError = response.Headers.TryGetValues("X-Influxdb-Error", out var values) ? string.Join(' ', values) : null;
            var message = InfluxErrorParser.ExtractMessage(body, headerError) ?? response.ReasonPhrase;
            if (status is 408 or 429 || status >= 500)
            {
                var retryAfter = RetryDelay(response.Headers.RetryAfter);
                return new WriteResult
                {
                    Outcome = WriteOutcome.Retryable,
                    StatusCode = status,
                    Error = message,
                    RetryAfter = retryAfter,
                    SuggestedDelay = retryAfter ?? _options.DefaultRetryDelay,
                };
            }

            return new WriteResult
            {
                Outcome = WriteOutcome.Rejected,
                StatusCode = status,
                Error = message,
                IsPartialWrite = InfluxErrorParser.IsPartialWrite(message),
                DroppedCount = InfluxErrorParser.DroppedCount(message),
                RejectedLines = InfluxErrorParser.RejectedLines(message, lines.Span),
            };
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new WriteResult
            {
                Outcome = WriteOutcome.Retryable,
                Error = $"no response from {WriteUri.GetLeftPart(UriPartial.Authority)} within {_options.Timeout}",
                SuggestedDelay = _options.DefaultRetryDelay,
                Exception = e,
            };
        }
        catch (HttpRequestException e)
        {
            return new WriteResult
            {
                Outcome = WriteOutcome.Retryable,
                Error = e.Message,
                SuggestedDelay = _options.DefaultRetryDelay,
                Exception = e,
            };
        }
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    internal static Uri BuildWriteUri(InfluxWriterOptions options)
    {
        var query = new StringBuilder();
        void Add(string name, string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        string path;
        if (options.ApiVersion == InfluxApiVersion.V1)
        {
            path = "write";
            Add("db", options.Database);
            Add("rp", options.RetentionPolicy);
            Add("precision", LineProtocol.V1PrecisionName(options.Precision));
            if (options.Username is not null && !options.UseBasicAuth)
            {
                Add("u", options.Username);
                Add("p", options.Password);
            }
        }
        else
        {
            path = "api/v2/write";
            Add("org", options.Organization);
            Add("bucket", options.Bucket);
            Add("precision", LineProtocol.V2PrecisionName(options.Precision));
        }

        var baseUrl = options.BaseUrl!.GetLeftPart(UriPartial.Path);
        return new Uri((baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/") + path + query);
    }

    private static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var ms = new MemoryStream((data.Length / 4) + 64);
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }

    private TimeSpan? RetryDelay(RetryConditionHeaderValue? retryAfter)
    {
        TimeSpan? delay = retryAfter switch
        {
            { Delta: { } d } => d,
            { Date: { } date } => date - _timeProvider.GetUtcNow(),
            _ => null,
        };
        if (delay is null)
        {
            return null;
        }

        return delay.Value < TimeSpan.Zero ? TimeSpan.Zero : delay.Value > _options.MaxRetryAfter ? _options.MaxRetryAfter : delay.Value;
    }
}
