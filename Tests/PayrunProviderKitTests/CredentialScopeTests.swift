// A credential goes only to its own provider's hosts, however the URL is dressed up.
import PayrunProviderKit
import Testing

@Suite struct CredentialScopeTests {
    let scope = CredentialScope([
        "particeep": ["api.particeep.com", "127.0.0.1:8080"],
        "peex": ["api.peex.example"],
    ])
    let secret = CredentialName(provider: "particeep", field: "api_secret")

    @Test(arguments: [
        "https://api.particeep.com/v1/users",
        "https://API.Particeep.com./v1",
        "https://api.particeep.com:443/v1",
        "http://127.0.0.1:8080/particeep/v1",
        "HTTPS://api.particeep.com/v1",
        "https://api.particeep.com/é",                  // a path that starts with a letter of its own
        "https://api.particeep.com:0443/v1?key=a@b#c",
    ])
    func itsOwnHostsAreAllowed(_ url: String) {
        #expect(scope.allows(secret, toward: url))
    }

    @Test(arguments: [
        "http://api.particeep.com/v1",                  // plain HTTP off loopback
        "https://api.particeep.com.evil.example/",      // suffix trick
        "https://evil.example/api.particeep.com",       // path trick
        "https://api.particeep.com@evil.example/",      // user-information trick
        "https://evil.example\\@api.particeep.com/",    // backslash trick
        "https://api.peex.example/",                    // another provider's host
        "https://api.particeep.com:8443/",              // another port
        "http://127.0.0.1:9090/",                       // another local port
        "ftp://api.particeep.com/",
        "api.particeep.com/v1",
        "https:///v1",
        "https://api.particeep.com:/v1",                // a colon with no port
        "https://api.particeep.com:99999/v1",           // no such port
        "https://api.particeep.com :443/v1",            // a blank in the host
        "https://api.particéep.com/v1",                 // not ASCII
        "https://api.particeep.com?\u{200D}@evil.example", // a delimiter joined to what follows
        "https://api.particeep.com/\u{301}x",
    ])
    func anythingElseIsRefused(_ url: String) {
        #expect(!scope.allows(secret, toward: url))
    }

    @Test(arguments: [
        ("http://127.0.0.1:8080/particeep/v1", false), ("http://localhost/x", false), ("http://[::1]:9/x", false),
        ("https://evil.example/", false), ("http://127.255.0.1/", false),
        ("http://0.0.0.0:1/", true), ("http://192.0.2.2:18097/peex", true), ("http://127.0.0.1.evil.example/", true),
        ("http://127.0.0.1:8080@evil.example/", true), ("http://1270.0.0.1/", true), ("http://127.0.0.256/", true),
        ("ftp://127.0.0.1/", true), ("http://127.0.0.1:/", true), ("http://localhost:0/", true), ("http://127.0.0.1:99999/", true),
    ])
    func plainHTTPGoesOnlyToThisMachine(_ url: String, _ beyond: Bool) {
        #expect(CredentialScope.isPlainBeyondThisMachine(url) == beyond)
    }

    @Test func aProviderWithNoHostsSendsNothing() {
        #expect(!scope.allows(CredentialName(provider: "tradevest", field: "client_secret"), toward: "https://api.particeep.com/"))
    }

    @Test func aProvidersHostIsReadFromItsBaseURL() {
        #expect(CredentialScope.host(of: "https://API.Particeep.com/v1") == "api.particeep.com")
        #expect(CredentialScope.host(of: "http://127.0.0.1:8080/tradevest") == "127.0.0.1:8080")
        #expect(CredentialScope.host(of: "https://api.particeep.com@evil.example/") == nil)
        #expect(CredentialScope.host(of: "ftp://example.com") == nil)
    }
}
