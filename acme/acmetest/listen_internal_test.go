package acmetest

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestListenFreshSkipsUsedPorts: a Server never listens on a port an earlier Server of
// the process listened on, even when the system offers that port again: acmez would
// hand the new Server the directory it cached for the old one (an EAB requirement, no
// renewalInfo), which failed unrelated tests run after one with RequireEAB or NoARI.
func TestListenFreshSkipsUsedPorts(t *testing.T) {
	first, err := listenFresh(loopback)
	require.NoError(t, err)
	usedPort := first.Addr().(*net.TCPAddr).Port
	require.NoError(t, first.Close())
	offeredAgain, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", usedPort))
	if err != nil {
		t.Skipf("port %d, just closed, cannot be listened on again: %v", usedPort, err)
	}
	offers := 0
	l, err := listenFresh(func() (net.Listener, error) {
		offers++
		if offers == 1 {
			return offeredAgain, nil
		}
		return loopback()
	})
	require.NoError(t, err)
	defer l.Close()
	assert.NotEqual(t, usedPort, l.Addr().(*net.TCPAddr).Port)
	assert.Equal(t, 2, offers, "the used port is passed over for the next one offered")
	_ = offeredAgain.(*net.TCPListener).SetDeadline(time.Now()) // no wait if it is open
	_, err = offeredAgain.Accept()
	assert.ErrorIs(t, err, net.ErrClosed, "the listener on the used port is closed")
}
