using System.Net;
using System.Text;
using PowerWatch.TestSupport;

namespace PowerWatch.Influx.Tests;

public sealed class InfluxWriterTests
{
    private static readonly Point[] TwoPoints =
    [
        new Point("ups").Tag("device", "ups-a").Field("battery.charge", 97.5).Timestamp(1_700_000_000_000_000_000),
        new Point("ups").Tag("device", "ups-b").Field("battery.charge", 88.0).Timestamp(1_700_000_000_000_000_000),
    ];

    private static InfluxWriterOptions V1(string db = "power") => new() { BaseUrl = new Uri("http://127.0.0.1:8086"), Database = db };

    private static InfluxWriterOptions V2() => new()
    {
        BaseUrl = new Uri("http://127.0.0.1:8086"),
        ApiVersion = InfluxApiVersion.V2,
        Organization = "my org",
        Bucket = "power/raw",
        Token = "s3cr3t==",
    };

    private static async Task<(WriteResult Result, FakeHandler Handler)> WriteAsync(InfluxWriterOptions options, FakeHandler handler, TimeProvider? time = null)
    {
        await using var writer = new InfluxWriter(options, time, handler);
        var result = await writer.WriteAsync(TwoPoints, CancellationToken.None);
        return (result, handler);
    }

    [Fact]
    public async Task Status_204_is_accepted()
    {
        var (r, h) = await WriteAsync(V1(), new FakeHandler(HttpStatusCode.NoContent));
        Assert.Equal(WriteOutcome.Accepted, r.Outcome);
        Assert.Equal(204, r.StatusCode);
        Assert.Equal(LineProtocol.ToText(TwoPoints), h.Requests.Single().Text);
        Assert.Equal("text/plain; charset=utf-8", h.Requests.Single().ContentType);
    }

    [Fact]
    public async Task Status_400_with_json_error_is_rejected_with_the_servers_reason()
    {
        var (r, _) = await WriteAsync(V1(), new FakeHandler(HttpStatusCode.BadRequest, "{\"error\":\"unable to parse 'x': missing fields\"}"));
        Assert.Equal(WriteOutcome.Rejected, r.Outcome);
        Assert.Equal(400, r.StatusCode);
        Assert.Equal("unable to parse 'x': missing fields", r.Error);
        Assert.False(r.IsPartialWrite);
    }

    [Fact]
    public async Task Partial_write_names_the_lines_the_server_could_not_parse()
    {
        // Body as InfluxDB 1.6.7 sends it for a batch with two unparsable lines among good ones.
        var line0 = "ups,device=ups-a battery.charge=97.5 1700000000000000000";
        var line1 = "ups,device=ups-b battery.charge=88 1700000000000000000";
        var body = "{\"error\":\"partial write: unable to parse '" + line0 + "': invalid tag format\\nunable to parse '" + line1 + "': bad timestamp dropped=0\"}";
        var (r, _) = await WriteAsync(V1(), new FakeHandler(HttpStatusCode.BadRequest, body));
        Assert.Equal(WriteOutcome.Rejected, r.Outcome);
        Assert.True(r.IsPartialWrite);
        Assert.Equal(0, r.DroppedCount);
        Assert.Equal([new RejectedLine(0, line0, "invalid tag format"), new RejectedLine(1, line1, "bad timestamp")], r.RejectedLines);
    }

    [Fact]
    public async Task Field_type_conflict_reports_partial_write_and_dropped_count()
    {
        var body = "{\"error\":\"partial write: field type conflict: input field \\\"a\\\" on measurement \\\"y\\\" is type float, already exists as type integer dropped=2\"}";
        var (r, _) = await WriteAsync(V1(), new FakeHandler(HttpStatusCode.BadRequest, body));
        Assert.True(r.IsPartialWrite);
        Assert.Equal(2, r.DroppedCount);
        Assert.Empty(r.RejectedLines);
        Assert.StartsWith("partial write: field type conflict", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_404_database_not_found_is_rejected()
    {
        var (r, _) = await WriteAsync(V1("nodb"), new FakeHandler(HttpStatusCode.NotFound, "{\"error\":\"database not found: \\\"nodb\\\"\"}"));
        Assert.Equal(WriteOutcome.Rejected, r.Outcome);
        Assert.Equal(404, r.StatusCode);
        Assert.Equal("database not found: \"nodb\"", r.Error);
    }

    [Fact]
    public async Task V2_error_body_message_is_used()
    {
        var (r, _) = await WriteAsync(V2(), new FakeHandler(HttpStatusCode.Unauthorized, "{\"code\":\"unauthorized\",\"message\":\"unauthorized access\"}"));
        Assert.Equal(WriteOutcome.Rejected, r.Outcome);
        Assert.Equal("unauthorized access", r.Error);
    }

    [Fact]
    public async Task Plain_text_error_body_is_used_as_is()
    {
        var (r, _) = await WriteAsync(V2(), new FakeHandler(HttpStatusCode.BadRequest, "cannot parse line protocol\n"));
        Assert.Equal("cannot parse line protocol", r.Error);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    public async Task Server_errors_are_retryable_with_the_default_delay(HttpStatusCode status)
    {
        var options = V1();
        options.DefaultRetryDelay = TimeSpan.FromSeconds(3);
        var (r, _) = await WriteAsync(options, new FakeHandler(status, "{\"error\":\"timeout\"}"));
        Assert.Equal(WriteOutcome.Retryable, r.Outcome);
        Assert.Equal((int)status, r.StatusCode);
        Assert.Null(r.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(3), r.SuggestedDelay);
    }

    [Fact]
    public async Task Status_429_with_retry_after_seconds_is_retryable_after_that_delay()
    {
        var (r, _) = await WriteAsync(V2(), new FakeHandler((HttpStatusCode)429, "{\"code\":\"too many requests\",\"message\":\"slow down\"}",
            resp => resp.Headers.TryAddWithoutValidation("Retry-After", "7")));
        Assert.Equal(WriteOutcome.Retryable, r.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(7), r.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(7), r.SuggestedDelay);
        Assert.Equal("slow down", r.Error);
    }

    [Fact]
    public async Task Retry_after_as_http_date_is_measured_on_the_injected_clock()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var (r, _) = await WriteAsync(V1(), new FakeHandler(HttpStatusCode.ServiceUnavailable, null,
            resp => resp.Headers.TryAddWithoutValidation("Retry-After", "Sun, 01 Mar 2026 12:01:30 GMT")), time);
        Assert.Equal(TimeSpan.FromSeconds(90), r.RetryAfter);
    }

    [Fact]
    public async Task Retry_after_is_clamped_to_the_configured_maximum()
    {
        var options = V1();
        options.MaxRetryAfter = TimeSpan.FromSeconds(30);
        var (r, _) = await WriteAsync(options, new FakeHandler((HttpStatusCode)429, null, resp => resp.Headers.TryAddWithoutValidation("Retry-After", "3600")));
        Assert.Equal(TimeSpan.FromSeconds(30), r.RetryAfter);
    }

    [Fact]
    public async Task No_response_within_the_timeout_is_retryable()
    {
        var time = new ManualTimeProvider();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new FakeHandler(async (_, ct) =>
        {
            entered.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        });
        var options = V1();
        options.Timeout = TimeSpan.FromSeconds(5);
        await using var writer = new InfluxWriter(options, time, handler);
        var pending = writer.WriteAsync(TwoPoints, CancellationToken.None);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var r = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WriteOutcome.Retryable, r.Outcome);
        Assert.Null(r.StatusCode);
        Assert.Contains("within 00:00:05", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_throws_instead_of_reporting_a_failure()
    {
        var handler = new FakeHandler(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        });
        await using var writer = new InfluxWriter(V1(), new ManualTimeProvider(), handler);
        using var cts = new CancellationTokenSource();
        var pending = writer.WriteAsync(TwoPoints, cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task Connection_refused_is_retryable()
    {
        var port = Peers.FreeTcpPort();
        var options = new InfluxWriterOptions { BaseUrl = new Uri($"http://127.0.0.1:{port}"), Database = "power" };
        await using var writer = new InfluxWriter(options);
        var r = await writer.WriteAsync(TwoPoints, CancellationToken.None);
        Assert.Equal(WriteOutcome.Retryable, r.Outcome);
        Assert.IsType<HttpRequestException>(r.Exception);
        Assert.Null(r.StatusCode);
    }

    [Fact]
    public async Task Gzip_body_decodes_to_the_exact_lines()
    {
        var options = V1();
        options.Gzip = true;
        var (r, h) = await WriteAsync(options, new FakeHandler(HttpStatusCode.NoContent));
        var req = h.Requests.Single();
        Assert.Equal(WriteOutcome.Accepted, r.Outcome);
        Assert.Equal(["gzip"], req.ContentEncoding);
        Assert.Equal(0x1f, req.RawBody[0]);
        Assert.Equal(0x8b, req.RawBody[1]);
        Assert.Equal(LineProtocol.ToText(TwoPoints), req.Text);
    }

    [Fact]
    public async Task V1_url_escapes_database_and_retention_policy_and_sends_basic_auth()
    {
        var options = V1("power db&x=1");
        options.RetentionPolicy = "one week+";
        options.Precision = WritePrecision.Microseconds;
        options.Username = "ingest";
        options.Password = "p@ss:word";
        var (_, h) = await WriteAsync(options, new FakeHandler(HttpStatusCode.NoContent));
        var req = h.Requests.Single();
        Assert.Equal(HttpMethod.Post, req.Method);
        Assert.Equal("http://127.0.0.1:8086/write?db=power%20db%26x%3D1&rp=one%20week%2B&precision=u", req.Uri.AbsoluteUri);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ingest:p@ss:word")), req.Authorization);
    }

    [Fact]
    public async Task V1_credentials_can_go_in_u_and_p_parameters()
    {
        var options = V1();
        options.Username = "ingest";
        options.Password = "p&q";
        options.UseBasicAuth = false;
        var (_, h) = await WriteAsync(options, new FakeHandler(HttpStatusCode.NoContent));
        Assert.Equal("http://127.0.0.1:8086/write?db=power&precision=ns&u=ingest&p=p%26q", h.Requests.Single().Uri.AbsoluteUri);
        Assert.Null(h.Requests.Single().Authorization);
    }

    [Fact]
    public async Task V2_url_escapes_org_and_bucket_and_sends_the_token()
    {
        var options = V2();
        options.Precision = WritePrecision.Milliseconds;
        options.BaseUrl = new Uri("https://influx.example:8443/proxy/");
        var (_, h) = await WriteAsync(options, new FakeHandler(HttpStatusCode.NoContent));
        var req = h.Requests.Single();
        Assert.Equal("https://influx.example:8443/proxy/api/v2/write?org=my%20org&bucket=power%2Fraw&precision=ms", req.Uri.AbsoluteUri);
        Assert.Equal("Token s3cr3t==", req.Authorization);
    }

    [Fact]
    public void Options_validation_names_the_key()
    {
        Assert.Contains("Influx:BaseUrl", Assert.Throws<ArgumentException>(() => new InfluxWriterOptions { Database = "x" }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("Influx:Database", Assert.Throws<ArgumentException>(() => new InfluxWriterOptions { BaseUrl = new Uri("http://127.0.0.1:1") }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("Influx:Bucket", Assert.Throws<ArgumentException>(() => new InfluxWriterOptions
        {
            BaseUrl = new Uri("http://127.0.0.1:1"),
            ApiVersion = InfluxApiVersion.V2,
            Organization = "o",
        }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("Influx:Username", Assert.Throws<ArgumentException>(() => new InfluxWriterOptions
        {
            BaseUrl = new Uri("http://127.0.0.1:1"),
            Database = "d",
            Username = "u",
        }.Validate()).Message, StringComparison.Ordinal);
    }
}
