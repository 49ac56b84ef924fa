package client

import (
	"net/url"
	"strings"
)

// LocalURL resolves an object URL on this client's node: the part from "/object/" on (with its
// query, a thumbnail's ?type=image...) against the client's address. Every node of an office
// serves every object, and a URL names the node of whoever uploaded it (127.0.0.1 on their
// computer), so a viewer asks its own node. Any other URL is returned as it is.
func (c *Client) LocalURL(objectURL string) string {
	u, err := url.Parse(objectURL)
	if err != nil {
		return objectURL
	}
	i := strings.Index(u.EscapedPath(), "/object/")
	if i < 0 {
		return objectURL
	}
	local := c.base + u.EscapedPath()[i:]
	if u.RawQuery != "" {
		local += "?" + u.RawQuery
	}
	return local
}
