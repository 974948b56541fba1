/// What the bridge helper learns from the QEMU that started it (its parent's command line): the
/// VM's name (`-name NAME` or `-name guest=NAME,...`) and the MAC of the NIC on a given bridge
/// (`-netdev bridge,id=ID,br=BR` with `-device ...,netdev=ID,mac=MAC`, or `-nic bridge,br=BR,mac=MAC`).
public struct QEMUCommandLine: Sendable, Hashable {
    public var arguments: [String]

    public init(arguments: [String]) { self.arguments = arguments }

    /// Reads /proc/PID/cmdline bytes: arguments separated by NUL.
    public init(procCmdline bytes: [UInt8]) {
        arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if arguments.last == "" { arguments.removeLast() }
    }

    public var vmName: String? {
        guard let value = value(after: "-name") else { return nil }
        let options = Self.options(value)
        if let guest = options["guest"] { return guest }
        let first = value.split(separator: ",", maxSplits: 1).first.map(String.init) ?? value
        return first.contains("=") || first.isEmpty ? nil : first
    }

    /// The MAC address QEMU gives the NIC attached to `bridge` (QEMU's helper default bridge is br0).
    public func mac(forBridge bridge: String) -> MACAddress? {
        for (index, argument) in arguments.enumerated() where index + 1 < arguments.count {
            let value = arguments[index + 1]
            if argument == "-nic" || argument == "--nic", value.hasPrefix("bridge") {
                let options = Self.options(value)
                if (options["br"] ?? "br0") == bridge, let mac = options["mac"].flatMap(MACAddress.init) { return mac }
            }
            if argument == "-netdev" || argument == "--netdev", value.hasPrefix("bridge,") {
                let options = Self.options(value)
                guard (options["br"] ?? "br0") == bridge, let id = options["id"] else { continue }
                for (deviceIndex, device) in arguments.enumerated() where (device == "-device" || device == "--device") && deviceIndex + 1 < arguments.count {
                    let deviceOptions = Self.options(arguments[deviceIndex + 1])
                    if deviceOptions["netdev"] == id, let mac = deviceOptions["mac"].flatMap(MACAddress.init) { return mac }
                }
            }
        }
        return nil
    }

    func value(after flag: String) -> String? {
        guard let index = arguments.firstIndex(where: { $0 == flag || $0 == "-" + flag }), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    /// QEMU's "key=value,key=value" option strings (",," escapes a comma, which names never need).
    static func options(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { result[String(pair[0])] = String(pair[1]) }
        }
        return result
    }
}
