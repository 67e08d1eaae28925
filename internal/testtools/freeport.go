//go:build linux || darwin

package testtools

import (
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// freePort returns a free loopback port for a tool to listen on, and a
// release to call once the tool listens (or has failed to).
//
// The port is not one the kernel hands out by itself. A port from
// Listen(":0") is free again once that listener closes, and the tool
// (Python or Node, a second or more to start under load) binds it only
// later: meanwhile any process's Listen(":0"), an httptest server of a
// test running beside, may get it, and the tool then exits with
// "address in use". Ports outside the kernel's ephemeral range are never
// given to Listen(":0") or to a connect; a lock file per port keeps two
// test processes of this module from picking the same one at once.
func freePort() (int, func(), error) {
	lo, hi := outsideEphemeral()
	if lo == 0 {
		return anyPort()
	}
	dir := filepath.Join(os.TempDir(), "passkeybridge-ports")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, nil, err
	}
	for range 200 {
		port := lo + rand.IntN(hi-lo+1)
		f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return 0, nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close() // another test process is starting a tool on it
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			f.Close() // in use: a tool started earlier, or another service
			continue
		}
		l.Close()
		return port, func() { f.Close() }, nil
	}
	return 0, nil, errors.New("no free port outside the ephemeral range")
}

// outsideEphemeral returns a range of ports the kernel never picks on its
// own, or zeros when the ephemeral range leaves none worth using.
func outsideEphemeral() (lo, hi int) {
	first, last := 32768, 60999 // Linux's default
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			a, errA := strconv.Atoi(f[0])
			z, errZ := strconv.Atoi(f[1])
			if errA == nil && errZ == nil {
				first, last = a, z
			}
		}
	}
	// Below the range, above the ports services are known by.
	if first-1 >= 20000+1000 {
		return 20000, first - 1
	}
	if last+1 <= 65535-1000 {
		return last + 1, 65535
	}
	return 0, 0
}
