import OVSDBWire
import PatchbayModel

/// libFuzzer entry point for what Patchbay reads from ovsdb-server's socket: the input is a byte
/// stream as the server would send it. It must be framed into the same values whole and cut in
/// two at any point; each value must be refused with an OVSDBWireError or read, as a JSON text
/// that serializes and reads back equal, as a JSON-RPC message, and, as its method or shape
/// says, as table-updates (monitor replies, `update` notifications), a transaction result with
/// its rows, transact operations, and typed Open_vSwitch, Bridge, Port, Interface and QoS rows and
/// the model types. Everything read must encode to JSON that reads back to the same value. A
/// crash, a hang or a broken round trip is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOVSDBWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = JSONLimits(maximumDepth: 64, maximumBytes: 1 << 20)

    // One JSON text, read strictly.
    if let value = try? JSONParser.parse(bytes, limits: limits) {
        checkJSONRoundTrip(value)
        readAsOVSDB(value)
    }

    // The same bytes as a stream: whole, and cut where the last byte says.
    let whole = frame(bytes, cut: nil, limits: limits)
    if !bytes.isEmpty {
        let cut = Int(bytes[bytes.count - 1]) * bytes.count / 256
        let split = frame(bytes, cut: cut, limits: limits)
        if split.values != whole.values || split.failed != whole.failed {
            fatalError("framing depends on where the stream was cut (at \(cut)): \(whole) vs \(split)")
        }
    }
    for value in whole.values {
        checkJSONRoundTrip(value)
        readAsOVSDB(value)
    }
    return 0
}

func frame(_ bytes: [UInt8], cut: Int?, limits: JSONLimits) -> (values: [JSONValue], failed: Bool) {
    var framer = JSONStreamFramer(limits: limits)
    var values: [JSONValue] = []
    let pieces = cut.map { [bytes[..<$0], bytes[$0...]] } ?? [bytes[...]]
    for piece in pieces {
        framer.append(piece)
        do {
            while let value = try framer.next() { values.append(value) }
        } catch {
            return (values, true)
        }
    }
    return (values, false)
}

func checkJSONRoundTrip(_ value: JSONValue) {
    let text = value.serialized()
    guard let again = try? JSONParser.parse(text) else { fatalError("serialized JSON does not parse: \(value.text)") }
    if again != value { fatalError("serialize → parse changed the value:\n\(value.text)\n\(again.text)") }
    if again.serialized() != text { fatalError("serialization is not stable: \(value.text)") }
}

func readAsOVSDB(_ value: JSONValue) {
    if let datum = try? OVSDBDatum(json: value) {
        guard let again = try? OVSDBDatum(json: datum.json), again == datum else { fatalError("datum round trip: \(value.text)") }
    }
    if let updates = try? OVSDBTableUpdates(json: value) {
        readUpdates(updates)
    }
    if let result = try? OVSDBTransactionResult(json: value) {
        readResult(result)
    }
    if let operation = try? OVSDBOperation(json: value) {
        guard let again = try? OVSDBOperation(json: operation.json), again == operation else { fatalError("operation round trip: \(value.text)") }
    }
    guard let message = try? JSONRPCMessage(json: value) else { return }
    guard let again = try? JSONRPCMessage(json: message.json), again == message else { fatalError("message round trip: \(value.text)") }
    switch message {
    case .notification("update", let params):
        if let notification = try? OVSDBUpdateNotification(params: params) {
            readUpdates(notification.updates)
            guard case .notification(_, let written) = notification.message, let back = try? OVSDBUpdateNotification(params: written),
                  back == notification else { fatalError("update round trip: \(value.text)") }
        }
    case .request("transact", let params, _):
        if let (database, operations) = try? OVSDBRequest.transactOperations(params) {
            let request = OVSDBRequest.transact(database: database, operations)
            guard let back = try? OVSDBRequest.transactOperations(request.params), back.database == database, back.operations == operations else {
                fatalError("transact round trip: \(value.text)")
            }
        }
    case .request("echo", _, _):
        guard message.echoReply != nil else { fatalError("no echo reply: \(value.text)") }
    case .response(let result, _):
        if let result = try? OVSDBTransactionResult(json: result) { readResult(result) }
        if let updates = try? OVSDBTableUpdates(json: result) { readUpdates(updates) }
    case .errorResponse(let error, _):
        _ = try? OVSDBServerError(json: error)
    default:
        break
    }
}

func readResult(_ result: OVSDBTransactionResult) {
    guard let again = try? OVSDBTransactionResult(json: result.json), again == result else { fatalError("result round trip: \(result)") }
    _ = result.firstError
    for case .rows(let rows)? in result.results {
        for row in rows { readRow(uuid: nil, row) }
    }
}

func readUpdates(_ updates: OVSDBTableUpdates) {
    guard let again = try? OVSDBTableUpdates(json: updates.json), again == updates else { fatalError("table-updates round trip: \(updates)") }
    for (_, rows) in updates.tables {
        for (uuid, update) in rows {
            _ = update.kind
            if let old = update.old { readRow(uuid: uuid, old) }
            if let new = update.new { readRow(uuid: uuid, new) }
        }
    }
}

/// Every typed row and model conversion over any row: refused or read, never a trap.
func readRow(uuid: OVSDBUUID?, _ row: OVSDBRow) {
    guard let again = try? OVSDBRow(json: row.json), again == row else { fatalError("row round trip: \(row)") }
    if let root = try? OVSDBOpenVSwitchRow(uuid: uuid, row: row) { _ = OVSSystem(root) }
    _ = try? OVSDBBridgeRow(uuid: uuid, row: row)
    let interface = try? OVSDBInterfaceRow(uuid: uuid, row: row)
    let qos = try? OVSDBQoSRow(uuid: uuid, row: row)
    if let port = try? OVSDBPortRow(uuid: uuid, row: row) {
        if let vlan = try? OVSVLAN(port) {
            // What was read writes back as the same VLAN.
            let written = OVSDBPortRow(name: port.name, tag: vlan.tag.map(Int64.init), trunks: vlan.trunks.map(Int64.init),
                                       vlanMode: vlan.mode?.rawValue)
            guard let back = try? OVSVLAN(written), back == vlan else { fatalError("VLAN round trip: \(port)") }
        }
        if let state = try? OVSPortState(port: port, interface: interface, qos: qos) {
            _ = OVSBridgeState(OVSDBBridgeRow(name: "br"), ports: [state])
        }
        if let interface, let uuid = interface.uuid {
            _ = OVSPortState.primaryInterface(of: port, among: [uuid: interface])
        }
    }
    let reader = OVSDBRowReader(table: "Interface", uuid: uuid, row: row)
    for column in row.columns.keys {
        _ = try? reader.stringMap(column)
        _ = try? reader.integerMap(column)
        _ = try? reader.uuids(column)
        _ = try? reader.optionalInteger(column)
    }
}

/// SwiftPM links executables with `main` aliased to `<Target>_main`; libFuzzer brings the real
/// driver, which this hands control to.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("FuzzOVSDBWire_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOVSDBWire(data, size) }
}
