// What `--allow-host` entries let through: the host and port exactly (a bare host means the
// scheme's own port), credentials only where their service is named and the request encrypted.
import PayrunProviderKit
import Testing

@Suite struct AllowedHostsTests {
    @Test func aBareHostMeansTheSchemesOwnPortAndAPortMeansThatPortOnly() throws {
        let hosts = try AllowedHosts(parsing: ["Hooks.Slack.com", "127.0.0.1:8080", "[::1]:9000"])
        #expect(hosts.allows("https://hooks.slack.com/services/T/B/x"))
        #expect(hosts.allows("https://HOOKS.slack.com.:443/x"))
        #expect(hosts.allows("http://hooks.slack.com/x"))
        #expect(!hosts.allows("https://hooks.slack.com:8443/x"))
        #expect(!hosts.allows("https://evil.hooks.slack.com/x"))
        #expect(!hosts.allows("https://hooks.slack.com@evil.example/x"))
        #expect(hosts.allows("http://127.0.0.1:8080/hook?x=1"))
        #expect(!hosts.allows("http://127.0.0.1/hook"))
        #expect(!hosts.allows("http://127.0.0.1:8081/hook"))
        #expect(hosts.allows("http://[::1]:9000/"))
        #expect(!hosts.allows("ftp://hooks.slack.com/x"))
        #expect(AllowedHosts.entryText(for: "https://api.example.com/v1") == "api.example.com")
        #expect(AllowedHosts.entryText(for: "http://127.0.0.1:8123/x") == "127.0.0.1:8123")
    }

    @Test func credentialsGoOnlyWhereTheirServiceIsNamedAndOnlyEncryptedOrLocally() throws {
        let hosts = try AllowedHosts(parsing: ["events.pagerduty.com=pagerduty,opsgenie", "status.example.com", "127.0.0.1:8080=pager"])
        #expect(hosts.allows(credentialsOf: "pagerduty", toward: "https://events.pagerduty.com/v2/enqueue"))
        #expect(hosts.allows(credentialsOf: "opsgenie", toward: "https://events.pagerduty.com/v2/enqueue"))
        #expect(!hosts.allows(credentialsOf: "pagerduty", toward: "http://events.pagerduty.com/v2/enqueue"))
        #expect(!hosts.allows(credentialsOf: "pagerduty", toward: "https://status.example.com/"))
        #expect(!hosts.allows(credentialsOf: "slack", toward: "https://events.pagerduty.com/"))
        #expect(hosts.allows(credentialsOf: "pager", toward: "http://127.0.0.1:8080/x"))
        let named = try AllowedHosts(parsing: ["127.example.com=pager", "127.0.0.1:8081=pager"])
        #expect(!named.allows(credentialsOf: "pager", toward: "http://127.example.com/x"), "a name starting with 127. is not loopback: no secret over plain http")
        #expect(!named.allows("http://127.0.0.1:+8081/x"), "a port is digits only")
        #expect(hosts.entries.map(\.description) == ["events.pagerduty.com=pagerduty,opsgenie", "status.example.com", "127.0.0.1:8080=pager"])
    }

    @Test func entriesThatAreNotAHostSayWhatToWrite() {
        func problem(_ text: String) -> String {
            do {
                _ = try AllowedHosts.Entry(parsing: text)
                return "(accepted)"
            } catch {
                return error.reason
            }
        }
        #expect(problem("https://hooks.slack.com") == "give the host alone, without a scheme or path, like hooks.slack.com or 127.0.0.1:8080")
        #expect(problem("hooks.slack.com/services") == "give the host alone, without a scheme or path, like hooks.slack.com or 127.0.0.1:8080")
        #expect(problem("") == "expected HOST or HOST:PORT, like hooks.slack.com or 127.0.0.1:8080")
        #expect(problem("host:0") == "expected HOST or HOST:PORT, like hooks.slack.com or 127.0.0.1:8080")
        #expect(problem("user@host") == "expected HOST or HOST:PORT, like hooks.slack.com or 127.0.0.1:8080")
        #expect(problem("*") == "'*' is not a host name or address")
        #expect(problem("host=") == "after '=' come the services whose credentials may go there, like =slack or =pagerduty,opsgenie")
        #expect(problem("host=Slack") == "after '=' come the services whose credentials may go there, like =slack or =pagerduty,opsgenie")
    }
}
