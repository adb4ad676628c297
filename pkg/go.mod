module github.com/copdfuel/backend/pkg

go 1.26.8

require github.com/aws/aws-lambda-go v1.55.1
