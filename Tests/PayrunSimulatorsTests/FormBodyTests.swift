// Form bodies as PHP's curl and HTML forms send them.
@testable import PayrunSimulators
import Testing

@Suite struct FormBodyTests {
    @Test func urlEncodedFieldsAreDecoded() {
        let fields = FormBody.fields(Array("login=a%2Bb&batch=X%3B1%0AY+2&empty=".utf8), contentType: "application/x-www-form-urlencoded")
        #expect(fields == ["login": "a+b", "batch": "X;1\nY 2", "empty": ""])
    }

    @Test func multipartFieldsAreRead() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"login\"\r\n\r\nsandbox\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"batch\"\r\n\r\nA;1\nB;2\r\n--XyZ--\r\n"
        let fields = FormBody.fields(Array(body.utf8), contentType: "multipart/form-data; boundary=XyZ")
        #expect(fields == ["login": "sandbox", "batch": "A;1\nB;2"])
    }

    @Test func aCombiningMarkDoesNotHideASeparator() {
        // Found by Fuzz/form: "&" or a quote followed by a combining mark is one Character, so
        // splitting on characters lost the field after it.
        let form = FormBody.fields(Array("x=1&\u{0301}y=2&z=%+f".utf8), contentType: "application/x-www-form-urlencoded")
        #expect(form == ["x": "1", "\u{0301}y": "2", "z": "% f"])  // "%+f" is no escape; "+" is a space
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"\u{0306}name\"\r\n\r\nvalue\r\n--XyZ--\r\n"
        #expect(FormBody.fields(Array(body.utf8), contentType: "multipart/form-data; boundary=XyZ") == ["\u{0306}name": "value"])
    }
}
