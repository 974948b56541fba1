import DHCPWire
import Foundation
import Testing

/// Inputs libFuzzer found (Fuzz/FuzzDHCPWire): each once broke the encode → parse round trip.
@Suite struct DHCPFuzzRegressionTests {
    /// An OFFER whose message type came after another option: the encoder puts the type first,
    /// which must not make the re-read message differ (option order carries no meaning).
    @Test func optionOrderDoesNotMatter() throws {
        let input = "AgEGABI0q80AAAAAAAAAAAAAAAAAAAAAAAAAAFJUAKq7zAAAAAAAAAAAAAAPA2xhYv8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQwRib290/wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABjglNjACAAAAAAAAA1AQI0AQP/"
        let message = try DHCPMessage.parse(Array(try #require(Data(base64Encoded: input))))
        #expect(message.options.codes.first == 32)
        var plain = message
        plain.options[DHCPOptionCode.optionOverload] = nil
        plain.file = Array(repeating: 0, count: 128)
        plain.sname = Array(repeating: 0, count: 64)
        let again = try DHCPMessage.parse(plain.encoded())
        #expect(again.options.codes.first == DHCPOptionCode.messageType)
        #expect(again == plain)
        #expect(again.hashValue == plain.hashValue)
    }

    @Test func equalityIgnoresOptionOrderButNotValues() {
        var a = DHCPOptions(), b = DHCPOptions()
        a[1] = [255, 255, 255, 0]; a[3] = [10, 0, 0, 1]
        b[3] = [10, 0, 0, 1]; b[1] = [255, 255, 255, 0]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        b[3] = [10, 0, 0, 2]
        #expect(a != b)
    }
}
