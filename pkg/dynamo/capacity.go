package dynamo

import (
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Capacity adds up the capacity units DynamoDB reports as consumed, in all
// and per store operation (e.g. "PutRecord"). Pass it to New with
// WithCapacity. Only successful requests report capacity: a write that fails
// its condition still costs its write units but the error carries no count.
// dynalite does not count index writes, so local numbers understate writes.
type Capacity struct {
	mu    sync.Mutex
	total Units
	byOp  map[string]Units
}

// Units is read and write capacity consumed.
type Units struct {
	Read, Write float64
}

func (c *Capacity) add(op string, cc *types.ConsumedCapacity) {
	if c == nil || cc == nil {
		return
	}
	var u Units
	switch {
	case cc.ReadCapacityUnits != nil || cc.WriteCapacityUnits != nil:
		if cc.ReadCapacityUnits != nil {
			u.Read = *cc.ReadCapacityUnits
		}
		if cc.WriteCapacityUnits != nil {
			u.Write = *cc.WriteCapacityUnits
		}
	case cc.CapacityUnits != nil:
		// Only the total is known: reads and writes are not mixed within
		// one of the store's operations, so attribute it by operation.
		if isWrite(op) {
			u.Write = *cc.CapacityUnits
		} else {
			u.Read = *cc.CapacityUnits
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byOp == nil {
		c.byOp = make(map[string]Units)
	}
	c.total.Read += u.Read
	c.total.Write += u.Write
	o := c.byOp[op]
	o.Read += u.Read
	o.Write += u.Write
	c.byOp[op] = o
}

var writeOps = map[string]bool{
	"PutRecord": true, "PutUser": true, "PutPractice": true,
	"CreateInvite": true, "ClaimInvite": true, "PutConsent": true, "WithdrawConsent": true,
	"ActivateLink": true, "RevokeLink": true, "AddFailure": true,
}

func isWrite(op string) bool { return writeOps[op] }

// Total returns the units consumed so far.
func (c *Capacity) Total() Units {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// ByOp returns the units consumed so far per store operation.
func (c *Capacity) ByOp() map[string]Units {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]Units, len(c.byOp))
	for k, v := range c.byOp {
		m[k] = v
	}
	return m
}
