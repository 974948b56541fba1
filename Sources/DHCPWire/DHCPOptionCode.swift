/// Option codes Patchbay reads or writes (RFC 2132 unless noted).
public enum DHCPOptionCode {
    public static let pad: UInt8 = 0
    public static let subnetMask: UInt8 = 1               // §3.3
    public static let router: UInt8 = 3                   // §3.5
    public static let domainNameServer: UInt8 = 6         // §3.8
    public static let hostName: UInt8 = 12                // §3.14
    public static let domainName: UInt8 = 15              // §3.17
    public static let interfaceMTU: UInt8 = 26            // §5.1
    public static let broadcastAddress: UInt8 = 28        // §5.3
    public static let requestedIPAddress: UInt8 = 50      // §9.1
    public static let leaseTime: UInt8 = 51               // §9.2
    public static let optionOverload: UInt8 = 52          // §9.3
    public static let messageType: UInt8 = 53             // §9.6
    public static let serverIdentifier: UInt8 = 54        // §9.7
    public static let parameterRequestList: UInt8 = 55    // §9.8
    public static let message: UInt8 = 56                 // §9.9
    public static let maximumMessageSize: UInt8 = 57      // §9.10
    public static let renewalTime: UInt8 = 58             // §9.11
    public static let rebindingTime: UInt8 = 59           // §9.12
    public static let vendorClassIdentifier: UInt8 = 60   // §9.13
    public static let clientIdentifier: UInt8 = 61        // §9.14
    public static let tftpServerName: UInt8 = 66          // §9.4
    public static let bootfileName: UInt8 = 67            // §9.5
    public static let domainSearch: UInt8 = 119           // RFC 3397
    public static let classlessStaticRoute: UInt8 = 121   // RFC 3442
    public static let end: UInt8 = 255
}
