//go:build !unix

package files

// nonBlock is 0 where the system has no O_NONBLOCK for open.
const nonBlock = 0
