/// Named steps of the engine's operations at which a test can stop the daemon dead, to prove that
/// the next start finishes or undoes whatever was half done (`patchbayd` reads
/// `PATCHBAY_TEST_CRASH_AT=<step>` and kills itself with SIGKILL there). In production nothing
/// is registered and reaching a step costs one comparison.
public enum FaultStep: String, Sendable, CaseIterable {
    case startIntent = "start.intent"
    case startBridgeCreated = "start.bridge-created"
    case startBridgeTagged = "start.bridge-tagged"
    case startBridgeRenamed = "start.bridge-renamed"
    case startAddresses = "start.addresses"
    case startFirewall = "start.firewall"
    case startServices = "start.services"
    case destroyIntent = "destroy.intent"
    case destroyServices = "destroy.services"
    case destroyFirewall = "destroy.firewall"
    case destroyBridge = "destroy.bridge"
    case updateServices = "update.services"
    case undefineIntent = "undefine.intent"
    case portCreateReserved = "port-create.reserved"
    case portCreateDevice = "port-create.device"
    case portCreateTagged = "port-create.tagged"
    case portCreateAttached = "port-create.attached"
    case portDeleteMarked = "port-delete.marked"
    case portDeleteDevice = "port-delete.device"
}

/// What happens when an operation reaches a `FaultStep`.
public struct FaultPoints: Sendable {
    private let handler: (@Sendable (FaultStep) async -> Void)?

    /// Nothing happens (production).
    public static let none = FaultPoints(handler: nil)

    public init(_ handler: @escaping @Sendable (FaultStep) async -> Void) {
        self.handler = handler
    }

    private init(handler: (@Sendable (FaultStep) async -> Void)?) {
        self.handler = handler
    }

    func reach(_ step: FaultStep) async {
        if let handler { await handler(step) }
    }
}
