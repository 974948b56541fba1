import PatchbayModel

extension PatchbayEvent {
    /// An event about a port, with the names Patchbay knows of it.
    static func port(_ type: EventType, _ port: NetworkPort, _ message: String, severity: EventSeverity? = nil) -> PatchbayEvent {
        PatchbayEvent(type: type, severity: severity, network: port.network, port: port.uuid.description, device: port.device,
                      owner: port.ownerName, mac: port.mac.description, message: message)
    }
}
