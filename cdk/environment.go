package main

import (
	"fmt"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/copdfuel/backend/pkg/route"
)

// Environment is one environment's stack set.
type Environment struct {
	Core   *CoreStack
	Auth   *AuthStack
	Api    *ApiStack
	Portal *PortalStack
}

// StackName names a stack of an environment: CopdFuel-<env>-<part>.
func StackName(env, part string) string { return fmt.Sprintf("CopdFuel-%s-%s", env, part) }

// NewEnvironment creates the stacks of one environment. root is the
// repository root: build/<fn>/bootstrap and portal/dist are read from it.
func NewEnvironment(app awscdk.App, s Settings, root string) (*Environment, error) {
	buildDir := filepath.Join(root, "build")
	if err := CheckAssets(buildDir, route.Functions()); err != nil {
		return nil, err
	}
	sp := awscdk.StackProps{
		AnalyticsReporting:    jsii.Bool(false),
		TerminationProtection: jsii.Bool(s.Retain),
	}
	if s.Account != "" {
		sp.Env = &awscdk.Environment{Account: jsii.String(s.Account), Region: jsii.String(s.Region)}
	}
	withDesc := func(d string) awscdk.StackProps {
		p := sp
		p.Description = jsii.String("COPD Fuel " + s.Name + ": " + d)
		return p
	}
	e := &Environment{}
	e.Core = NewCoreStack(app, StackName(s.Name, "Core"), &CoreStackProps{StackProps: withDesc("keys, table, backups, network"), Settings: s})
	e.Portal = NewPortalStack(app, StackName(s.Name, "Portal"), &PortalStackProps{
		StackProps: withDesc("doctor portal hosting"), Settings: s, PortalDir: filepath.Join(root, "portal", "dist"),
	})
	var err error
	e.Auth, err = NewAuthStack(app, StackName(s.Name, "Auth"), &AuthStackProps{
		StackProps: withDesc("user pools"), Settings: s, Core: e.Core, BuildDir: buildDir,
	})
	if err != nil {
		return nil, err
	}
	origin := e.Portal.Origin
	if s.ExtraAllowOrigin != "" {
		origin = jsii.String(s.ExtraAllowOrigin)
	}
	e.Api, err = NewApiStack(app, StackName(s.Name, "Api"), &ApiStackProps{
		StackProps: withDesc("REST API and functions"), Settings: s, Core: e.Core, Auth: e.Auth,
		AllowOrigin: origin, BuildDir: buildDir,
	})
	if err != nil {
		return nil, err
	}
	for _, st := range []awscdk.Stack{e.Core.Stack, e.Portal.Stack, e.Auth.Stack, e.Api.Stack} {
		awscdk.Tags_Of(st).Add(jsii.String("project"), jsii.String("copdfuel"), nil)
		awscdk.Tags_Of(st).Add(jsii.String("environment"), jsii.String(s.Name), nil)
	}
	return e, nil
}
