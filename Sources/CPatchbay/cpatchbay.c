#define _GNU_SOURCE
#include "cpatchbay.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <grp.h>
#include <stdio.h>
#include <signal.h>
#include <spawn.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* Runs on the calling thread only: setns(CLONE_NEWNET) affects the calling thread, and the
 * callers are synchronous, so no other task can run on this thread in between. */
struct netns_guard {
    int original;
};

static int netns_enter(const char *path, struct netns_guard *guard) {
    guard->original = -1;
    if (path == NULL) return 0;
    int original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original < 0) return -errno;
    int target = open(path, O_RDONLY | O_CLOEXEC);
    if (target < 0) {
        int e = errno;
        close(original);
        return -e;
    }
    if (setns(target, CLONE_NEWNET) < 0) {
        int e = errno;
        close(target);
        close(original);
        return -e;
    }
    close(target);
    guard->original = original;
    return 0;
}

/* A thread that cannot return to its own namespace would go on opening sockets (and running
 * other tasks) in the wrong one; there is no safe way to continue, so the process stops. */
static int netns_leave(struct netns_guard *guard) {
    if (guard->original < 0) return 0;
    if (setns(guard->original, CLONE_NEWNET) < 0) {
        static const char message[] = "patchbay: cannot return a thread to its own network namespace; aborting\n";
        (void)!write(2, message, sizeof(message) - 1);
        abort();
    }
    close(guard->original);
    guard->original = -1;
    return 0;
}

int cpatchbay_netlink_open(const char *netns_path, uint32_t groups, uint32_t *port_id) {
    struct netns_guard guard;
    int rc = netns_enter(netns_path, &guard);
    if (rc < 0) return rc;

    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    int err = fd < 0 ? -errno : 0;

    int left = netns_leave(&guard);
    if (err < 0) return err;
    if (left < 0) {
        close(fd);
        return left;
    }

    int one = 1;
    /* Both are best effort: old kernels lack them and still work, with terser errors. */
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
    int rcvbuf = 1 << 20;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

    struct sockaddr_nl addr;
    memset(&addr, 0, sizeof(addr));
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = groups;
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    socklen_t len = sizeof(addr);
    if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    *port_id = addr.nl_pid;
    return fd;
}

int cpatchbay_set_receive_timeout(int fd, int milliseconds) {
    struct timeval tv;
    tv.tv_sec = milliseconds / 1000;
    tv.tv_usec = (milliseconds % 1000) * 1000;
    return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ? -errno : 0;
}

int cpatchbay_tap_create(const char *netns_path, const char *name, int flags, long owner, long group,
                         char *name_out) {
    if (name == NULL || strlen(name) >= IFNAMSIZ) return -EINVAL;
    struct netns_guard guard;
    int rc = netns_enter(netns_path, &guard);
    if (rc < 0) return rc;

    int result = 0;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        result = -errno;
        goto out;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (flags & CPATCHBAY_TAP_VNET_HDR) ifr.ifr_flags |= IFF_VNET_HDR;
    if (flags & CPATCHBAY_TAP_MULTI_QUEUE) ifr.ifr_flags |= IFF_MULTI_QUEUE;
    /* Without IFF_TUN_EXCL, TUNSETIFF on the name of an existing TAP attaches to it. */
    if (flags & CPATCHBAY_TAP_EXCLUSIVE) ifr.ifr_flags |= IFF_TUN_EXCL;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        result = -errno;
        goto out;
    }
    if (owner >= 0 && ioctl(fd, TUNSETOWNER, owner) < 0) {
        result = -errno;
        goto out;
    }
    if (group >= 0 && ioctl(fd, TUNSETGROUP, group) < 0) {
        result = -errno;
        goto out;
    }
    if (ioctl(fd, TUNSETPERSIST, 1) < 0) {
        result = -errno;
        goto out;
    }
    memcpy(name_out, ifr.ifr_name, IFNAMSIZ);
    name_out[IFNAMSIZ - 1] = '\0';
out:
    if (fd >= 0) close(fd);
    int left = netns_leave(&guard);
    return result < 0 ? result : left;
}

int cpatchbay_udp_socket(const char *ifname, uint32_t address, uint16_t port) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
        (ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname) + 1) < 0)) {
        int e = errno;
        close(fd);
        return -e;
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = address;
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int cpatchbay_set_tx_checksum(const char *netns_path, const char *ifname, int enabled) {
    if (ifname == NULL || strlen(ifname) >= IFNAMSIZ) return -EINVAL;
    struct netns_guard guard;
    int rc = netns_enter(netns_path, &guard);
    if (rc < 0) return rc;
    int result = 0;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        result = -errno;
    } else {
        struct ethtool_value value = { .cmd = ETHTOOL_STXCSUM, .data = enabled ? 1 : 0 };
        struct ifreq ifr;
        memset(&ifr, 0, sizeof(ifr));
        strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
        ifr.ifr_data = (void *)&value;
        if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) result = -errno;
        close(fd);
    }
    int left = netns_leave(&guard);
    return result < 0 ? result : left;
}

int cpatchbay_tap_open(const char *name, int flags, char *name_out) {
    if (name == NULL || strlen(name) >= IFNAMSIZ) return -EINVAL;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (flags & CPATCHBAY_TAP_VNET_HDR) ifr.ifr_flags |= IFF_VNET_HDR;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    memcpy(name_out, ifr.ifr_name, IFNAMSIZ);
    name_out[IFNAMSIZ - 1] = '\0';
    return fd;
}

int cpatchbay_macvtap_open(unsigned int major_number, unsigned int minor_number, const char *scratch_dir, int flags) {
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/.macvtap-%d-%u-%u", scratch_dir, (int)getpid(), major_number, minor_number) >= (int)sizeof(path))
        return -ENAMETOOLONG;
    unlink(path);
    if (mknod(path, S_IFCHR | 0600, makedev(major_number, minor_number)) < 0) return -errno;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    int err = fd < 0 ? -errno : 0;
    unlink(path);
    if (fd < 0) return err;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (flags & CPATCHBAY_TAP_VNET_HDR) ifr.ifr_flags |= IFF_VNET_HDR;
    if (flags & CPATCHBAY_TAP_MULTI_QUEUE) ifr.ifr_flags |= IFF_MULTI_QUEUE;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int cpatchbay_send_fd(int socket_fd, int fd) {
    const uint8_t byte = 0;
    int sent = cpatchbay_send_with_fd(socket_fd, &byte, 1, fd);
    return sent < 0 ? sent : 0;
}

int cpatchbay_packet_socket(const char *netns_path, uint16_t ethertype, int receive_timeout_ms) {
    struct netns_guard guard;
    int rc = netns_enter(netns_path, &guard);
    if (rc < 0) return rc;
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ethertype));
    int err = fd < 0 ? -errno : 0;
    int left = netns_leave(&guard);
    if (err < 0) return err;
    if (left < 0) {
        close(fd);
        return left;
    }
    (void)cpatchbay_set_receive_timeout(fd, receive_timeout_ms);
    return fd;
}

int cpatchbay_packet_bind(int fd, int ifindex, uint16_t ethertype) {
    struct sockaddr_ll addr;
    memset(&addr, 0, sizeof(addr));
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ethertype);
    addr.sll_ifindex = ifindex;
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) return -errno;
    return 0;
}

int cpatchbay_packet_send(int fd, int ifindex, const uint8_t *frame, size_t length) {
    if (length < 14) return -EINVAL;
    struct sockaddr_ll addr;
    memset(&addr, 0, sizeof(addr));
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = ifindex;
    addr.sll_halen = 6;
    memcpy(addr.sll_addr, frame, 6);
    memcpy(&addr.sll_protocol, frame + 12, 2);
    ssize_t sent = sendto(fd, frame, length, 0, (struct sockaddr *)&addr, sizeof(addr));
    if (sent < 0) return -errno;
    return (int)sent;
}

int cpatchbay_packet_receive(int fd, uint8_t *buffer, size_t capacity, int *ifindex) {
    struct sockaddr_ll addr;
    socklen_t length = sizeof(addr);
    ssize_t count = recvfrom(fd, buffer, capacity, 0, (struct sockaddr *)&addr, &length);
    if (count < 0) return -errno;
    *ifindex = addr.sll_ifindex;
    /* Frames this host sent are not probes coming back. */
    if (addr.sll_pkttype == PACKET_OUTGOING) return 0;
    return (int)count;
}

int cpatchbay_attach_drop_filter(int fd) {
    struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
    struct sock_fprog program = { .len = 1, .filter = code };
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program)) < 0 ? -errno : 0;
}

int cpatchbay_dhcp_ingress_socket(const char *netns_path, int receive_timeout_ms) {
    struct netns_guard guard;
    int rc = netns_enter(netns_path, &guard);
    if (rc < 0) return rc;
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    int err = fd < 0 ? -errno : 0;
    int left = netns_leave(&guard);
    if (err < 0) return err;
    if (left < 0) {
        close(fd);
        return left;
    }
    /* IPv4 (no VLAN tag), UDP, first fragment only, destination port 67. */
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0, 8),
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 6),
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
        BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
        BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 67, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0x40000),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog program = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
    int one = 1;
    int rcvbuf = 4 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif
    (void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    (void)cpatchbay_set_receive_timeout(fd, receive_timeout_ms);
    return fd;
}

int cpatchbay_packet_receive_from(int fd, uint8_t *buffer, size_t capacity, int *ifindex, int *pkttype) {
    struct sockaddr_ll addr;
    socklen_t length = sizeof(addr);
    ssize_t count = recvfrom(fd, buffer, capacity, 0, (struct sockaddr *)&addr, &length);
    if (count < 0) return -errno;
    *ifindex = addr.sll_ifindex;
    *pkttype = addr.sll_pkttype;
    return (int)count;
}

int cpatchbay_attach_probe_filter(int fd) {
    /* Ethertype 0x88B5 (the socket's protocol already), "PATCHBAY" at 14, version 1 at 22. */
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 14),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x50415443, 0, 5),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 18),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x48424159, 0, 3),
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 22),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0x40000),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog program = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program)) < 0 ? -errno : 0;
}

int cpatchbay_poll_readable(int fd, int timeout_ms) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    for (;;) {
        int rc = poll(&p, 1, timeout_ms);
        if (rc >= 0) return rc;
        if (errno != EINTR) return -errno;
    }
}

int cpatchbay_peer_credentials(int fd, int32_t *pid, uint32_t *uid, uint32_t *gid) {
    struct ucred cred;
    socklen_t length = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) < 0) return -errno;
    *pid = cred.pid;
    *uid = cred.uid;
    *gid = cred.gid;
    return 0;
}

int cpatchbay_receive_fd(int socket_fd, uint8_t *buffer, size_t capacity, int *received_fd) {
    struct iovec iov = { .iov_base = buffer, .iov_len = capacity };
    union {
        char buffer[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buffer;
    msg.msg_controllen = sizeof(control.buffer);
    *received_fd = -1;
    ssize_t count;
    for (;;) {
        count = recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC);
        if (count >= 0) break;
        if (errno != EINTR) return -errno;
    }
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS && cmsg->cmsg_len == CMSG_LEN(sizeof(int))) {
            memcpy(received_fd, CMSG_DATA(cmsg), sizeof(int));
        }
    }
    return (int)count;
}

int cpatchbay_send_with_fd(int socket_fd, const uint8_t *bytes, size_t length, int fd) {
    struct iovec iov = { .iov_base = (void *)bytes, .iov_len = length };
    union {
        char buffer[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fd >= 0) {
        msg.msg_control = control.buffer;
        msg.msg_controllen = sizeof(control.buffer);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    }
    for (;;) {
        ssize_t sent = sendmsg(socket_fd, &msg, MSG_NOSIGNAL);
        if (sent >= 0) return (int)sent;
        if (errno != EINTR) return -errno;
    }
}

int cpatchbay_is_setuid(void) {
    return getauxval(AT_SECURE) != 0;
}

int cpatchbay_peer_groups(int fd, uint32_t *groups, int capacity) {
#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif
    socklen_t length = (socklen_t)(capacity * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &length) < 0) return -errno;
    return (int)(length / sizeof(gid_t));
}

int cpatchbay_set_nofile_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) < 0) return -errno;
    rlim_t wanted = limit.rlim_max < 65536 ? limit.rlim_max : 65536;
    if (limit.rlim_cur < wanted) {
        limit.rlim_cur = wanted;
        if (setrlimit(RLIMIT_NOFILE, &limit) < 0) return -errno;
    }
    return (int)limit.rlim_cur;
}

int cpatchbay_drop_privileges(void) {
    gid_t gid = getgid();
    uid_t uid = getuid();
    if (setgroups(0, NULL) < 0 && geteuid() == 0) return -errno;
    if (setresgid(gid, gid, gid) < 0) return -errno;
    if (setresuid(uid, uid, uid) < 0) return -errno;
    if (geteuid() != uid || getegid() != gid) return -EPERM;
    return 0;
}

int cpatchbay_unix_socket_address(int fd, const char *path, int bind_it) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    size_t length = strlen(path);
    if (length >= sizeof(address.sun_path)) return -ENAMETOOLONG;
    memcpy(address.sun_path, path, length);
    int rc = bind_it ? bind(fd, (struct sockaddr *)&address, sizeof(address))
                     : connect(fd, (struct sockaddr *)&address, sizeof(address));
    return rc == 0 ? 0 : -errno;
}

_Static_assert(sizeof(struct cpatchbay_bpf_insn) == sizeof(struct sock_filter), "bpf_insn layout");

int cpatchbay_attach_filter(int fd, const struct cpatchbay_bpf_insn *code, size_t count) {
    if (count == 0 || count > BPF_MAXINSNS) return -EINVAL;
    struct sock_fprog program = { .len = (unsigned short)count, .filter = (struct sock_filter *)code };
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program)) < 0) return -errno;
    return 0;
}

int cpatchbay_capture_socket(const char *netns_path) {
    struct netns_guard guard;
    int rc = netns_enter(netns_path, &guard);
    if (rc < 0) return rc;
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int err = fd < 0 ? -errno : 0;
    int left = netns_leave(&guard);
    if (err < 0) return err;
    if (left < 0) {
        close(fd);
        return left;
    }
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0 ||
        setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &on, sizeof(on)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    /* Room for bursts while the capture thread writes out what it read (best effort: the
     * kernel caps it at net.core.rmem_max). */
    int size = 4 << 20;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    return fd;
}

int cpatchbay_capture_bind(int fd, int ifindex) {
    return cpatchbay_packet_bind(fd, ifindex, ETH_P_ALL);
}

int cpatchbay_capture_receive(int fd, uint8_t *buffer, size_t capacity, uint32_t *original_length,
                              int64_t *seconds, int64_t *nanoseconds) {
    struct iovec vector = { .iov_base = buffer, .iov_len = capacity };
    union {
        char bytes[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(struct tpacket_auxdata))];
        struct cmsghdr align;
    } control;
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    message.msg_controllen = sizeof(control.bytes);
    ssize_t count;
    do {
        count = recvmsg(fd, &message, MSG_TRUNC);
    } while (count < 0 && errno == EINTR);
    if (count < 0) return -errno;
    /* With MSG_TRUNC, count is the frame's length as queued (after the filter's snap length). */
    *original_length = (uint32_t)count;
    *seconds = 0;
    *nanoseconds = 0;
    int stamped = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&message); c != NULL; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec stamp;
            memcpy(&stamp, CMSG_DATA(c), sizeof(stamp));
            *seconds = stamp.tv_sec;
            *nanoseconds = stamp.tv_nsec;
            stamped = 1;
        } else if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
            struct tpacket_auxdata aux;
            memcpy(&aux, CMSG_DATA(c), sizeof(aux));
            *original_length = aux.tp_len;
        }
    }
    if (!stamped) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        *seconds = now.tv_sec;
        *nanoseconds = now.tv_nsec;
    }
    size_t kept = (size_t)count < capacity ? (size_t)count : capacity;
    return (int)kept;
}

/* --- patchbay bench and tune --- */

int cpatchbay_netns_create(const char *path) {
    if (mkdir("/run/netns", 0755) < 0 && errno != EEXIST) return -errno;
    int file = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (file < 0) return -errno;
    close(file);
    int original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original < 0) {
        int e = errno;
        unlink(path);
        return -e;
    }
    if (unshare(CLONE_NEWNET) < 0) {
        int e = errno;
        close(original);
        unlink(path);
        return -e;
    }
    int rc = mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0 ? -errno : 0;
    struct netns_guard guard = { original };
    netns_leave(&guard);
    if (rc < 0) unlink(path);
    return rc;
}

int cpatchbay_netns_delete(const char *path) {
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) return -errno;
    if (unlink(path) < 0 && errno != ENOENT) return -errno;
    return 0;
}

int cpatchbay_socket_in_netns(const char *netns_path, int family, int type) {
    struct netns_guard guard;
    int rc = netns_enter(netns_path, &guard);
    if (rc < 0) return rc;
    int fd = socket(family, type | SOCK_CLOEXEC, 0);
    int err = fd < 0 ? -errno : 0;
    netns_leave(&guard);
    return err < 0 ? err : fd;
}

int cpatchbay_open_in_netns(const char *netns_path, const char *path, int write) {
    struct netns_guard guard;
    int rc = netns_enter(netns_path, &guard);
    if (rc < 0) return rc;
    int fd = open(path, (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
    int err = fd < 0 ? -errno : 0;
    netns_leave(&guard);
    return err < 0 ? err : fd;
}

extern char **environ;

int cpatchbay_spawn_in_netns(const char *netns_path, const char *program, char *const argv[], int stdout_fd, int stderr_fd,
                             int32_t *pid) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return -rc;
    rc = posix_spawnattr_init(&attributes);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return -rc;
    }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigmask(&attributes, &empty);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    struct netns_guard guard;
    rc = netns_enter(netns_path, &guard);
    if (rc == 0) {
        pid_t child = 0;
        int spawned = posix_spawn(&child, program, &actions, &attributes, argv, environ);
        netns_leave(&guard);
        if (spawned != 0) rc = -spawned;
        else *pid = child;
    }
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

static int ethtool_call(const char *ifname, void *data) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    strncpy(request.ifr_name, ifname, IFNAMSIZ - 1);
    request.ifr_data = data;
    int rc = ioctl(fd, SIOCETHTOOL, &request) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

int cpatchbay_ethtool_value(const char *ifname, uint32_t command, uint32_t *value) {
    struct ethtool_value data = { .cmd = command };
    int rc = ethtool_call(ifname, &data);
    if (rc == 0) *value = data.data;
    return rc;
}

int cpatchbay_ethtool_rings(const char *ifname, uint32_t values[4]) {
    struct ethtool_ringparam data = { .cmd = ETHTOOL_GRINGPARAM };
    int rc = ethtool_call(ifname, &data);
    if (rc == 0) {
        values[0] = data.rx_pending; values[1] = data.rx_max_pending;
        values[2] = data.tx_pending; values[3] = data.tx_max_pending;
    }
    return rc;
}

int cpatchbay_ethtool_channels(const char *ifname, uint32_t values[6]) {
    struct ethtool_channels data = { .cmd = ETHTOOL_GCHANNELS };
    int rc = ethtool_call(ifname, &data);
    if (rc == 0) {
        values[0] = data.combined_count; values[1] = data.max_combined;
        values[2] = data.rx_count; values[3] = data.max_rx;
        values[4] = data.tx_count; values[5] = data.max_tx;
    }
    return rc;
}

int cpatchbay_ethtool_driver(const char *ifname, char *driver, size_t capacity) {
    struct ethtool_drvinfo data = { .cmd = ETHTOOL_GDRVINFO };
    int rc = ethtool_call(ifname, &data);
    if (rc == 0 && capacity > 0) {
        strncpy(driver, data.driver, capacity - 1);
        driver[capacity - 1] = '\0';
    }
    return rc;
}
