using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using PowerWatch.Agent.Configuration;

namespace PowerWatch.Agent.Status;

/// <summary>
/// The status API's transport and access settings: checks of <c>PowerWatch:Status</c> (tokens, certificate, a
/// non-loopback address without TLS or tokens) and HTTPS on Kestrel from PEM files.
/// </summary>
internal static class StatusSecurity
{
    /// <summary>Every problem of the status security keys, each naming its key; none when the status API is off.</summary>
    public static IReadOnlyList<ConfigProblem> Validate(StatusOptions o, string key)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (!o.Enabled)
        {
            return [];
        }

        var p = new List<ConfigProblem>(StatusTokenSet.Read(o, key, out _));
        var https = Uri.TryCreate(o.Url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps;
        if (https && o.Certificate is null)
        {
            p.Add(new($"{key}:Certificate", $"Status:Url '{o.Url}' is https:// and needs a PEM certificate file here (and Status:CertificateKey)"));
        }
        else if (!https && o.Certificate is not null)
        {
            p.Add(new($"{key}:Url", $"'{o.Url}' is not https:// while Status:Certificate is set (use https://)"));
        }
        else if (o.Certificate is not null && CertificateProblem(o, key) is { } certificate)
        {
            p.Add(certificate);
        }

        if (o.CertificateKey is not null && o.Certificate is null)
        {
            p.Add(new($"{key}:CertificateKey", "set without Status:Certificate"));
        }

        if (!o.AllowInsecure && uri is not null && !IsLoopback(uri) && InsecureReason(https, o.Tokens.Count > 0) is { } insecure)
        {
            p.Add(new($"{key}:Url", $"'{o.Url}' is not a loopback address and {insecure}: anyone on that network could read the status and silence alarms; set Status:AllowInsecure to true to allow it anyway"));
        }

        return p;
    }

    /// <summary>Whether a listen URL's host is loopback only (<c>localhost</c>, 127.0.0.0/8, ::1); <c>*</c>, <c>0.0.0.0</c> and names are not.</summary>
    public static bool IsLoopback(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsLoopback;
    }

    /// <summary>
    /// Serves <c>https://</c> with the configured PEM certificate (and its intermediates) when
    /// <c>Status:Certificate</c> is set; the certificate lives as long as the host's services.
    /// </summary>
    public static void UseStatusHttps(this WebApplicationBuilder builder, StatusOptions o)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(o);
        if (!o.Enabled || o.Certificate is null)
        {
            return;
        }

        var certificate = StatusCertificate.Load(StatusTokenSet.ResolvePath(o.Certificate), o.CertificateKey is null ? null : StatusTokenSet.ResolvePath(o.CertificateKey));
        builder.Services.AddSingleton(certificate);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h =>
        {
            h.ServerCertificate = certificate.Leaf;
            h.ServerCertificateChain = certificate.Chain;
        }));
    }

    private static string? InsecureReason(bool https, bool tokens) => (https, tokens) switch
    {
        (false, false) => "has neither TLS (https:// with Status:Certificate) nor tokens (Status:Tokens)",
        (false, true) => "has no TLS (https:// with Status:Certificate): tokens would cross the network in clear",
        (true, false) => "has no tokens (Status:Tokens)",
        _ => null,
    };

    private static ConfigProblem? CertificateProblem(StatusOptions o, string key)
    {
        var certificate = StatusTokenSet.ResolvePath(o.Certificate!);
        var keyFile = o.CertificateKey is null ? null : StatusTokenSet.ResolvePath(o.CertificateKey);
        foreach (var (k, path) in new[] { ("Certificate", certificate), ("CertificateKey", keyFile) })
        {
            if (path is not null && !File.Exists(path))
            {
                return new($"{key}:{k}", $"'{path}' not found");
            }
        }

        try
        {
            using var loaded = StatusCertificate.Load(certificate, keyFile);
            return null;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            var k = o.CertificateKey is null ? "Certificate" : "CertificateKey";
            return new($"{key}:{k}", $"certificate and key do not load: {e.Message}");
        }
    }
}

/// <summary>The server certificate (with its private key) and the intermediates sent with it.</summary>
internal sealed class StatusCertificate : IDisposable
{
    private StatusCertificate(X509Certificate2 leaf, X509Certificate2Collection chain)
    {
        Leaf = leaf;
        Chain = chain;
    }

    public X509Certificate2 Leaf { get; }

    public X509Certificate2Collection Chain { get; }

    /// <summary>Loads a PEM certificate file (server certificate first) and its key (null: in the certificate file).</summary>
    public static StatusCertificate Load(string certificateFile, string? keyFile)
    {
        var leaf = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        if (OperatingSystem.IsWindows())
        {
            // SChannel needs a key it can find again: an ephemeral PEM key goes through PKCS#12 once.
            using var ephemeral = leaf;
            leaf = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }

        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certificateFile);
        var chain = new X509Certificate2Collection();
        foreach (var c in all.Skip(1))
        {
            chain.Add(c);
        }

        all[0].Dispose();
        return new StatusCertificate(leaf, chain);
    }

    public void Dispose()
    {
        Leaf.Dispose();
        foreach (var c in Chain)
        {
            c.Dispose();
        }
    }
}
