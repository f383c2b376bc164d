namespace PowerWatch.Influx;

/// <summary>Which HTTP write API to call.</summary>
public enum InfluxApiVersion
{
    /// <summary>InfluxDB 1.x <c>/write?db=&amp;rp=&amp;precision=</c>, user/password via <c>u</c>/<c>p</c> or Basic.</summary>
    V1,

    /// <summary>InfluxDB 2.x/3.x (and VictoriaMetrics) <c>/api/v2/write?org=&amp;bucket=&amp;precision=</c> with <c>Authorization: Token</c>.</summary>
    V2,
}

/// <summary>Options of <see cref="InfluxWriter"/>; validated by <see cref="Validate"/> with messages naming the key.</summary>
public sealed class InfluxWriterOptions
{
    /// <summary>Server base URL, e.g. <c>http://127.0.0.1:8086/</c>; a path prefix (reverse proxy) is kept.</summary>
    public Uri? BaseUrl { get; set; }

    public InfluxApiVersion ApiVersion { get; set; } = InfluxApiVersion.V1;

    /// <summary>V1: database (<c>db</c>).</summary>
    public string? Database { get; set; }

    /// <summary>V1: retention policy (<c>rp</c>), optional.</summary>
    public string? RetentionPolicy { get; set; }

    /// <summary>V1: user name, optional.</summary>
    public string? Username { get; set; }

    /// <summary>V1: password, optional.</summary>
    public string? Password { get; set; }

    /// <summary>V1: send credentials as HTTP Basic instead of the <c>u</c>/<c>p</c> query parameters (which end up in access logs).</summary>
    public bool UseBasicAuth { get; set; } = true;

    /// <summary>V2: organization (<c>org</c>).</summary>
    public string? Organization { get; set; }

    /// <summary>V2: bucket (<c>bucket</c>).</summary>
    public string? Bucket { get; set; }

    /// <summary>V2: API token, sent as <c>Authorization: Token ...</c>.</summary>
    public string? Token { get; set; }

    public WritePrecision Precision { get; set; } = WritePrecision.Nanoseconds;

    /// <summary>Compress request bodies with gzip (<c>Content-Encoding: gzip</c>).</summary>
    public bool Gzip { get; set; }

    /// <summary>Whole-request timeout (send and response); a timeout is reported as <see cref="WriteOutcome.Retryable"/>.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Suggested delay for a retryable failure that carries no Retry-After.</summary>
    public TimeSpan DefaultRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound applied to a server's Retry-After.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Throws <see cref="ArgumentException"/> naming the offending key.</summary>
    public void Validate()
    {
        if (BaseUrl is null || !BaseUrl.IsAbsoluteUri || (BaseUrl.Scheme != Uri.UriSchemeHttp && BaseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("Influx:BaseUrl must be an absolute http:// or https:// URL.", nameof(BaseUrl));
        }

        if (ApiVersion == InfluxApiVersion.V1)
        {
            if (string.IsNullOrEmpty(Database))
            {
                throw new ArgumentException("Influx:Database is required for ApiVersion V1.", nameof(Database));
            }

            if (Username is null != Password is null)
            {
                throw new ArgumentException("Influx:Username and Influx:Password must be given together.", nameof(Username));
            }
        }
        else
        {
            if (string.IsNullOrEmpty(Organization))
            {
                throw new ArgumentException("Influx:Organization is required for ApiVersion V2.", nameof(Organization));
            }

            if (string.IsNullOrEmpty(Bucket))
            {
                throw new ArgumentException("Influx:Bucket is required for ApiVersion V2.", nameof(Bucket));
            }
        }

        if (Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("Influx:Timeout must be positive.", nameof(Timeout));
        }

        if (DefaultRetryDelay < TimeSpan.Zero || MaxRetryAfter < TimeSpan.Zero)
        {
            throw new ArgumentException("Influx:DefaultRetryDelay and Influx:MaxRetryAfter must not be negative.", nameof(DefaultRetryDelay));
        }
    }
}
