import OVSDBWire

extension Sequence {
    /// `map` for row decoders: the standard library's `map` rethrows as `any Error`, which would
    /// lose the typed `OVSDBWireError`.
    func decodeEach<T>(_ transform: (Element) throws(OVSDBWireError) -> T) throws(OVSDBWireError) -> [T] {
        var result: [T] = []
        result.reserveCapacity(underestimatedCount)
        for element in self { result.append(try transform(element)) }
        return result
    }
}
