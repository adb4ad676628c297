package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Suppression is one accepted cdk-nag finding: the rule, why it is accepted
// and, for a rule that lists findings (IAM5), which of them.
type Suppression struct {
	Rule      string
	Reason    string
	AppliesTo []string
}

// suppress attaches suppressions to a construct's own CloudFormation
// resource (its default child), not to its children. Every suppression in
// the app goes through here or suppressTree; TestNag_Suppressions lists
// them from the synthesized templates, so a new one shows up in review.
func suppress(c constructs.IConstruct, ss ...Suppression) {
	if dc := c.Node().DefaultChild(); dc != nil {
		c = dc
	}
	addSuppressions(c, false, ss)
}

// suppressTree attaches suppressions to every resource under a construct;
// only for constructs whose insides are CDK's, not ours.
func suppressTree(c constructs.IConstruct, ss ...Suppression) { addSuppressions(c, true, ss) }

func addSuppressions(c constructs.IConstruct, children bool, ss []Suppression) {
	var out []*cdknag.NagPackSuppression
	for _, s := range ss {
		if strings.TrimSpace(s.Reason) == "" {
			panic("suppression of " + s.Rule + " without a reason")
		}
		p := &cdknag.NagPackSuppression{Id: jsii.String(s.Rule), Reason: jsii.String(s.Reason)}
		if len(s.AppliesTo) > 0 {
			var a []any
			for _, x := range s.AppliesTo {
				a = append(a, x)
			}
			p.AppliesTo = &a
		}
		out = append(out, p)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &out, jsii.Bool(children))
}

// suppressBoth accepts a finding that both packs raise under their own ids.
func suppressBoth(c constructs.IConstruct, solutions, hipaa, reason string, appliesTo ...string) {
	suppress(c, Suppression{Rule: "AwsSolutions-" + solutions, Reason: reason, AppliesTo: appliesTo},
		Suppression{Rule: "HIPAA.Security-" + hipaa, Reason: reason, AppliesTo: appliesTo})
}

// AddNagPacks runs the AWS Solutions and HIPAA Security packs over the app.
// Findings become error annotations in the cloud assembly; NagFindings reads
// them back, because synth alone reports nothing and exits 0.
func AddNagPacks(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	awscdk.Aspects_Of(app).Add(cdknag.NewHIPAASecurityChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// Finding is one error or warning annotation of a synthesized stack.
type Finding struct {
	Stack string
	Path  string
	Level string
	Text  string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s %s: %s", f.Level, f.Stack, f.Path, f.Text)
}

// IsNag reports whether the annotation came from a cdk-nag pack.
func (f Finding) IsNag() bool {
	return strings.HasPrefix(f.Text, "AwsSolutions-") || strings.HasPrefix(f.Text, "HIPAA.Security-")
}

// Findings walks every stack of the assembly and returns its error and
// warning annotations, sorted.
func Findings(asm cxapi.CloudAssembly) []Finding {
	var out []Finding
	for _, st := range *asm.Stacks() {
		for _, m := range *st.Messages() {
			if m.Level == cxapi.SynthesisMessageLevel_INFO {
				continue
			}
			text := fmt.Sprint(m.Entry.Data)
			if s, ok := m.Entry.Data.(*string); ok && s != nil {
				text = *s
			}
			out = append(out, Finding{Stack: *st.StackName(), Path: *m.Id, Level: string(m.Level), Text: text})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// Blocking returns the findings that must fail synth: every error, and every
// cdk-nag warning (the packs' zero means zero, not zero errors).
func Blocking(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Level == string(cxapi.SynthesisMessageLevel_ERROR) || f.IsNag() {
			out = append(out, f)
		}
	}
	return out
}
