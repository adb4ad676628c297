package main

// Access is what a function may do with the table. It is declared per
// function in TableAccess, the one place that says who may read and who may
// write; the function construct turns it into table and key grants.
type Access struct {
	Read  bool
	Write bool
	// Append may only add items (PutItem, BatchWriteItem): a function that
	// reads PHI and writes nothing but audit entries cannot change or
	// delete anything. Ignored when Write is set.
	Append bool
}

// TableAccess declares the table access of every function, keyed by its
// directory under functions/. A function missing here fails synth, so a new
// route cannot be deployed without someone deciding what it may touch.
var TableAccess = map[string]Access{
	"sync": {Read: true, Write: true}, // upserts records, reads them for last-writer-wins
	"me":   {Read: true},              // reads the profile and links
	// Consent and linking (pkg/linking). Every route that looks an invite
	// code up writes the patient's guess throttle, so it needs Write.
	"invite":        {Read: true, Write: true}, // reads profile, practice, open invites; puts the invite
	"invites":       {Read: true},              // queries the doctor's open invites
	"invitepreview": {Read: true, Write: true}, // reads invite and names; counts failed lookups
	"consent":       {Read: true, Write: true}, // puts the consent record
	"linkdoctor":    {Read: true, Write: true}, // claims the invite, writes the link
	"revokelink":    {Read: true, Write: true}, // revokes the link, withdraws consents
	"postconfirm":   {Read: true, Write: true}, // creates the patient's profile (reads it back if present)
	// Doctor views: every PHI read writes audit entries first, so they may
	// append (PutItem; BatchWriteItem for the list's one entry per patient).
	"patients":  {Read: true, Append: true}, // queries the doctor's GSI1 partition, batch-reads links/profiles/summaries
	"overview":  {Read: true, Append: true}, // reads the link, the window's records and the summary
	"export":    {Read: true, Append: true}, // reads the link and one page of records
	"accesslog": {Read: true},               // queries the caller's own audit entries, batch-reads names
}

// Table actions per access. Every request path is a GetItem or a Query on a
// known partition (DESIGN.md section 4), so Scan, PartiQL and transactions
// (which the local stand-in lacks) are not granted. Writes are conditional
// PutItem/UpdateItem, which need no extra action.
var (
	tableReadActions   = []string{"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"}
	tableWriteActions  = []string{"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
	tableAppendActions = []string{"dynamodb:BatchWriteItem", "dynamodb:PutItem"}
	// The table's customer-managed key, named without wildcards.
	keyReadActions  = []string{"kms:Decrypt", "kms:DescribeKey"}
	keyWriteActions = []string{"kms:Encrypt", "kms:GenerateDataKey"}
)

// TableActions returns the DynamoDB actions an access grants.
func (a Access) TableActions() []string {
	var out []string
	if a.Read {
		out = append(out, tableReadActions...)
	}
	switch {
	case a.Write:
		out = append(out, tableWriteActions...)
	case a.Append:
		out = append(out, tableAppendActions...)
	}
	return out
}

// KeyActions returns the KMS actions on the table's key an access grants.
func (a Access) KeyActions() []string {
	var out []string
	if a.Read || a.Write || a.Append {
		out = append(out, keyReadActions...)
	}
	if a.Write || a.Append {
		out = append(out, keyWriteActions...)
	}
	return out
}
