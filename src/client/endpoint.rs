//! Where requests go: the endpoint URL parsed once, and the rules for it.
//!
//! * An endpoint is an `http://` or `https://` URL with a host, no user
//!   information, no query and no fragment.
//! * Plain `http://` sends signed requests and session tokens in the clear:
//!   it is accepted for loopback addresses (a local engine) and otherwise
//!   only when the user opts in ([`ClientBuilder::allow_http`](super::ClientBuilder::allow_http),
//!   `DYNAMO_ALLOW_HTTP=1`).
//! * Without an endpoint, AWS's regional endpoint for the region.

use std::fmt;
use std::net::IpAddr;

use crate::error::{Error, Result};

/// A parsed endpoint.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// The URL requests are sent to (scheme, authority, path `/`).
    pub(crate) url: String,
    /// The `Host` header (and the signed host): the authority as written.
    pub(crate) host: String,
    pub(crate) https: bool,
    pub(crate) loopback: bool,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

impl Endpoint {
    /// Parses and checks `url`. `allow_http` permits plain `http://` to a
    /// host that is not loopback.
    pub(crate) fn parse(url: &str, allow_http: bool) -> Result<Endpoint> {
        let refuse = |why: &str| {
            // Never repeat user information in a message.
            Err(Error::validation(format!(
                "endpoint `{}` {why}",
                redact(url)
            )))
        };
        let uri: http::Uri = match url.trim().parse() {
            Ok(u) => u,
            Err(_) => return refuse("is not a URL; write e.g. `http://127.0.0.1:8000`"),
        };
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return refuse("must start with http:// or https://"),
        };
        let Some(authority) = uri.authority().filter(|a| !a.host().is_empty()) else {
            return refuse("has no host");
        };
        if authority.as_str().contains('@') {
            return refuse(
                "contains user information; give credentials with `.credentials(…)` instead",
            );
        }
        if uri.query().is_some() || url.contains('#') {
            return refuse("has a query or fragment; an endpoint is a scheme, a host and a port");
        }
        // Requests go to `/`: a path would be dropped, not used.
        if !matches!(uri.path(), "" | "/") {
            return refuse(
                "has a path; an endpoint is a scheme, a host and a port (requests go to `/`)",
            );
        }
        // A port that does not fit would be dropped by the HTTP client,
        // which would then connect to the scheme's default port.
        // (`Authority::port` hides such a port: it reads as no port.)
        if let Some(port) = authority
            .as_str()
            .strip_prefix(authority.host())
            .and_then(|rest| rest.strip_prefix(':'))
            // (An empty port is the scheme's default, as in any URL.)
            && !port.is_empty()
            && !matches!(port.parse::<u16>(), Ok(1..))
        {
            return refuse(&format!(
                "has port `{port}`; a port is a number from 1 to 65535"
            ));
        }
        let loopback = is_loopback_host(authority.host());
        if !https && !loopback && !allow_http {
            return refuse(
                "is plain http:// to a host that is not loopback: signed requests and session \
                 tokens would cross the network unencrypted; use https://, or opt in with \
                 `ClientBuilder::allow_http(true)` / DYNAMO_ALLOW_HTTP=1 (e.g. a DynamoDB Local \
                 container on a private network)",
            );
        }
        let scheme = if https { "https" } else { "http" };
        // The host as HTTP clients send it: a scheme's default port is left
        // out (hyper does so when it writes the Host header itself, and the
        // signed host must be the one sent).
        // The port is written as a number (`:08000` as `:8000`): HTTP
        // clients write it so in the Host header, and hyper-util's (the aws
        // backend's) did while the signature named `:08000`.
        let host = match (authority.port_u16(), https) {
            (Some(443), true) | (Some(80), false) | (None, _) => authority.host().to_owned(),
            (Some(port), _) => format!("{}:{port}", authority.host()),
        };
        Ok(Endpoint {
            url: format!("{scheme}://{host}/"),
            host,
            https,
            loopback,
        })
    }

    /// AWS's regional endpoint.
    pub(crate) fn regional(region: &str) -> Result<Endpoint> {
        Endpoint::regional_for("dynamodb", region)
    }

    /// AWS's regional endpoint of the DynamoDB Streams API.
    pub(crate) fn regional_streams(region: &str) -> Result<Endpoint> {
        Endpoint::regional_for("streams.dynamodb", region)
    }

    /// Where the Streams API is served when requests go to this endpoint:
    /// AWS's own DynamoDB host (`dynamodb.<region>.amazonaws.com`, written
    /// out as an endpoint) has its streams at `streams.dynamodb.…`; any
    /// other endpoint (a local engine, a proxy) serves both.
    pub(crate) fn streams_counterpart(&self) -> Endpoint {
        // Host names are case-insensitive: `DYNAMODB.…` is AWS's too.
        let lower = self.host.to_ascii_lowercase();
        let bare = lower.split(':').next().unwrap_or(&lower);
        let aws = bare.starts_with("dynamodb.")
            && (bare.ends_with(".amazonaws.com") || bare.ends_with(".amazonaws.com.cn"));
        if !aws {
            return self.clone();
        }
        let host = format!("streams.{lower}");
        let scheme = if self.https { "https" } else { "http" };
        Endpoint {
            url: format!("{scheme}://{host}/"),
            host,
            https: self.https,
            loopback: false,
        }
    }

    /// `https://<service>.<region>.amazonaws.com/` (`.com.cn` in China).
    fn regional_for(service: &str, region: &str) -> Result<Endpoint> {
        check_region(region)?;
        let suffix = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        let host = format!("{service}.{region}.{suffix}");
        Ok(Endpoint {
            url: format!("https://{host}/"),
            host,
            https: true,
            loopback: false,
        })
    }
}

/// Refuses a region that is not a region name: letters, digits and `-`.
/// It is part of every request's signature, and of the host when no
/// endpoint is configured.
pub(crate) fn check_region(region: &str) -> Result<()> {
    if region.is_empty()
        || !region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(Error::validation(format!(
            "region `{}` is not a region name (e.g. `us-east-1`)",
            region.escape_debug()
        )));
    }
    Ok(())
}

/// `true` for `localhost` and loopback IP addresses (`127.0.0.0/8`, `::1`).
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `true` when `url` is an `http://` or `https://` URL whose host is a
/// loopback address or `localhost`, with no user information. Parsed as a
/// URI, so `http://127.0.0.1:1@evil/` is not loopback.
#[cfg(test)]
fn is_loopback_url(url: &str) -> bool {
    Endpoint::parse(url, true).is_ok_and(|e| e.loopback)
}

/// `url` with any user information replaced by `***`, for messages and
/// `Debug`: everything between the scheme (or the start, when there is
/// none: `user:pw@host` is refused for its missing scheme, and the message
/// must not repeat it) and the last `@`. (A password may hold `@` or `/`
/// itself, and URL parsers differ on where user information ends, so this
/// cuts generously: an `@` in a path hides the path before it too.)
pub(crate) fn redact(url: &str) -> String {
    // Everything before the last `@` (a password may hold `@`, `/`, `?`).
    let start = url.find("://").map_or(0, |s| s + 3);
    let (head, rest) = match url[start..].rfind('@') {
        Some(at) => (format!("{}***", &url[..start]), &url[start + at..]),
        None => (url[..start].to_owned(), &url[start..]),
    };
    // A query may carry a token (`?X-Amz-Security-Token=…`) too.
    match rest.find(['?', '#']) {
        Some(q) => format!("{head}{}?***", &rest[..q]),
        None => format!("{head}{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_detection() {
        for url in [
            "http://127.0.0.1:8000",
            "http://127.5.6.7",
            "http://localhost:8000/",
            "http://LOCALHOST:1",
            "http://[::1]:8000",
            "https://[::1]",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "https://dynamodb.us-east-1.amazonaws.com",
            "http://10.0.0.1:8000",
            "http://127.0.0.1:1@evil.example/",
            "http://evil.example/127.0.0.1",
            "http://localhost.evil.example",
            "http://[::2]:1",
            "127.0.0.1:8000",
            "",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn endpoints_are_checked() {
        let e = Endpoint::parse("http://127.0.0.1:8000", false).unwrap();
        assert_eq!(e.url, "http://127.0.0.1:8000/");
        assert_eq!(e.host, "127.0.0.1:8000");
        assert!(e.loopback && !e.https);
        let e = Endpoint::parse("https://dynamodb.eu-west-1.amazonaws.com/", false).unwrap();
        assert!(e.https && !e.loopback);
        assert_eq!(e.host, "dynamodb.eu-west-1.amazonaws.com");

        let e = Endpoint::parse("http://dynamodb-local:8000", false).unwrap_err();
        assert!(e.message().contains("not loopback"), "{}", e.message());
        assert!(Endpoint::parse("http://dynamodb-local:8000", true).is_ok());

        let e = Endpoint::parse("http://user:secret@127.0.0.1:8000", true).unwrap_err();
        assert!(!e.message().contains("secret"), "{}", e.message());
        assert!(e.message().contains("user information"), "{}", e.message());
        assert!(Endpoint::parse("127.0.0.1:8000", false).is_err());
        // A port with no host before it.
        for url in ["https://:8443", "http://:8000"] {
            let e = Endpoint::parse(url, true).unwrap_err();
            assert!(
                e.message().contains("has no host"),
                "{url}: {}",
                e.message()
            );
        }
        assert!(Endpoint::parse("ftp://127.0.0.1", false).is_err());
        assert!(Endpoint::parse("http://127.0.0.1/?x=1", false).is_err());
        // A port that does not fit was dropped: the request went to port 80.
        for url in [
            "http://127.0.0.1:99999",
            "http://127.0.0.1:65536",
            "https://localhost:0",
            "http://[::1]:70000",
        ] {
            let e = Endpoint::parse(url, false).unwrap_err();
            assert!(
                e.message().contains("from 1 to 65535"),
                "{url}: {}",
                e.message()
            );
        }
        assert_eq!(
            Endpoint::parse("http://127.0.0.1:65535", false)
                .unwrap()
                .host,
            "127.0.0.1:65535"
        );
        // A path would be dropped: refused, naming it.
        for url in [
            "http://127.0.0.1:8000/x",
            "https://localhost:4566/dynamodb/",
        ] {
            let e = Endpoint::parse(url, false).unwrap_err();
            assert!(e.message().contains("has a path"), "{url}: {}", e.message());
        }
        // A scheme's default port, written out, is the host alone: what is
        // signed is what is sent (the aws backend's Host header leaves it
        // out, and every request failed its signature).
        for (url, host) in [
            (
                "https://dynamodb.us-east-1.amazonaws.com:443",
                "dynamodb.us-east-1.amazonaws.com",
            ),
            ("http://127.0.0.1:80/", "127.0.0.1"),
            ("http://[::1]:80", "[::1]"),
            ("https://127.0.0.1:8443", "127.0.0.1:8443"),
            ("http://127.0.0.1:443", "127.0.0.1:443"),
            // A port with leading zeros is written as the number it is:
            // the signed host must be the one sent.
            ("http://127.0.0.1:08000", "127.0.0.1:8000"),
            ("http://[::1]:0080", "[::1]"),
            ("http://127.0.0.1:", "127.0.0.1"),
        ] {
            let e = Endpoint::parse(url, false).unwrap();
            assert_eq!(e.host, host, "{url}");
            assert!(e.url.ends_with(&format!("://{host}/")), "{url}: {}", e.url);
        }
    }

    #[test]
    fn aws_hosts_written_out_have_their_streams_host() {
        let e = Endpoint::parse("https://dynamodb.eu-west-1.amazonaws.com", false).unwrap();
        let s = e.streams_counterpart();
        assert_eq!(s.url, "https://streams.dynamodb.eu-west-1.amazonaws.com/");
        assert_eq!(s.host, "streams.dynamodb.eu-west-1.amazonaws.com");
        let cn = Endpoint::parse("https://dynamodb.cn-north-1.amazonaws.com.cn:443", false)
            .unwrap()
            .streams_counterpart();
        assert_eq!(cn.host, "streams.dynamodb.cn-north-1.amazonaws.com.cn");
        // Host names are case-insensitive.
        let upper = Endpoint::parse("https://DYNAMODB.us-east-1.AmazonAWS.com", false)
            .unwrap()
            .streams_counterpart();
        assert_eq!(upper.host, "streams.dynamodb.us-east-1.amazonaws.com");
        // A local engine or a proxy serves both APIs.
        let local = Endpoint::parse("http://127.0.0.1:8000", false).unwrap();
        assert_eq!(local.streams_counterpart().url, local.url);
        let other = Endpoint::parse("https://dynamodb.example.com", false).unwrap();
        assert_eq!(other.streams_counterpart().url, other.url);
    }

    #[test]
    fn regional_endpoints() {
        assert_eq!(
            Endpoint::regional("eu-west-1").unwrap().url,
            "https://dynamodb.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            Endpoint::regional("cn-north-1").unwrap().host,
            "dynamodb.cn-north-1.amazonaws.com.cn"
        );
        assert!(Endpoint::regional("evil.com/x").is_err());
        assert_eq!(
            Endpoint::regional_streams("eu-west-1").unwrap().url,
            "https://streams.dynamodb.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            Endpoint::regional_streams("cn-north-1").unwrap().host,
            "streams.dynamodb.cn-north-1.amazonaws.com.cn"
        );
        assert!(Endpoint::regional_streams("").is_err());
        let e = check_region("eu-west-1\r").unwrap_err();
        assert!(e.message().contains("`eu-west-1\\r`"), "{}", e.message());
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("http://u:p@host:1/"), "http://***@host:1/");
        assert_eq!(redact("http://host:1/"), "http://host:1/");
        assert_eq!(redact("http://host/a@b"), "http://***@b");
        // Passwords holding `@` or `/` are hidden whole.
        assert_eq!(
            redact("http://admin:p@ss@127.0.0.1:8000"),
            "http://***@127.0.0.1:8000"
        );
        assert_eq!(
            redact("http://admin:pa/ss@127.0.0.1:8000"),
            "http://***@127.0.0.1:8000"
        );
        // Without a scheme too: everything before the last `@`.
        assert_eq!(redact("user:pw@127.0.0.1:1"), "***@127.0.0.1:1");
        assert_eq!(redact("127.0.0.1:1"), "127.0.0.1:1");
        // A query may carry a token: hidden too.
        assert_eq!(
            redact("https://u:p@host/?X-Amz-Security-Token=secret"),
            "https://***@host/?***"
        );
        assert_eq!(redact("http://host:1#frag"), "http://host:1?***");
        // A `?` or `#` in the password hides it whole too.
        assert_eq!(
            redact("http://admin:pa?ss@127.0.0.1:1"),
            "http://***@127.0.0.1:1"
        );
        assert_eq!(
            redact("http://admin:pa#ss@127.0.0.1:1/?t=x"),
            "http://***@127.0.0.1:1/?***"
        );
        let e = Endpoint::parse("http://127.0.0.1:8000/?X-Amz-Security-Token=secret", false)
            .unwrap_err();
        assert!(!e.message().contains("secret"), "{}", e.message());
    }
}
