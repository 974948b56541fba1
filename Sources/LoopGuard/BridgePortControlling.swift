import PatchbayModel

/// What the loop guard needs from the kernel: bridge ports and their states, the forwarding
/// database, and a way to send probes out of one port and hear them come back. Every call is
/// made from the guard's own thread and may block it.
public protocol BridgePortControlling: Sendable {
    /// The interface index of the bridge `name`, nil when it does not exist.
    func bridgeIndex(named name: String) throws(PatchbayError) -> Int32?
    /// The ports of the bridge `index` as of now. Called every round for every guarded bridge,
    /// so it must not cost a dump of every port: the kernel's follows link events.
    func ports(ofBridge index: Int32) throws(PatchbayError) -> [BridgePortStatus]
    func setPortState(index: Int32, _ state: BridgePortState) throws(PatchbayError)
    /// The port on which `bridgeIndex` learned `mac`, nil when it has not.
    func learnedPort(of mac: MACAddress, bridgeIndex: Int32) throws(PatchbayError) -> Int32?
    func send(frame: [UInt8], interfaceIndex: Int32) throws(PatchbayError)
    /// The next loop probe frame delivered to any device, and that device's index; nil when none
    /// came within `milliseconds`.
    func receiveProbe(waitingUpTo milliseconds: Int32) throws(PatchbayError) -> (interfaceIndex: Int32, frame: [UInt8])?
    /// Ends the threads the control runs of its own, if any (when the guard stops).
    func stop()
}

extension BridgePortControlling {
    public func stop() {}
}
