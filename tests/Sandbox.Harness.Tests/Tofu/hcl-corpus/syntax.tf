# Every construct the harness's HCL reader knows, compared with HashiCorp's parser (HclOracleTests).
// line comment
/* block
   comment */

terraform {
  required_version = ">= 1.6"
}

variable "apps" {
  type    = set(string)
  default = ["a", "b-c"]
}

locals {
  number   = 42
  negative = -3
  float    = 1.5e3
  not      = !true
  bool     = false
  nothing  = null
  string   = "plain \"quoted\" \\ tab\t unicode \u00e9"
  escaped  = "$${not_interpolated} and %%{not_a_directive}"
  interp   = "x-${var.name}-y"
  only     = "${local.number}"
  nested   = "a${"b${local.c}"}d"
  list     = [1, "two", [3], { four = 4 }]
  trailing = [
    "a",
    "b",
  ]
  object = {
    bare     = 1
    "quoted" = 2
    colon : 3
    (local.key) = 4
  }
  math        = 1 + 2 * 3 - 4 / 2 % 3
  compare     = local.number >= 10 && local.number < 100 || local.number == 0
  conditional = local.bool ? "yes" : "no"
  call        = format("%s-%d", lower("ABC"), 3)
  expand      = concat(local.list, local.trailing...)
  index       = local.list[0]
  attr        = local.object.bare
  legacy      = local.list.0
  splat       = var.things[*].name
  splat_attr  = var.things.*.name
  for_list    = [for s in var.apps : upper(s) if s != ""]
  for_map     = { for k, v in local.object : k => v }
  for_group   = { for s in var.apps : substr(s, 0, 1) => s... }
  parens      = (1 + 2) * 3
  multi_line = merge(
    { a = 1 },
    { b = 2 },
  )
  heredoc = <<EOT
plain heredoc ${var.name}
  keeps indentation
EOT
  flush = <<-EOT
    path "kvv2/data/${var.name}/*" {
      capabilities = ["read"]
    }
  EOT
  flush_blank = <<-EOT
      first

      third
    EOT
}

resource "vault_mount" "kv" {
  path    = "kvv2"
  type    = "kv"
  options = { version = "2" }
}

resource "vault_mount" "kv" {
  path = "duplicate labels are a later stage's problem"
}

resource "vault_database_secret_backend_connection" "postgres" {
  backend = vault_mount.postgres.path
  name    = "postgres"

  postgresql {
    connection_url = "postgresql://{{username}}:{{password}}@localhost/postgres"
  }

  postgresql {
    connection_url = "second"
  }
}

module "app" {
  source   = "./modules/app"
  for_each = toset(var.apps)
  name     = each.key
}

single "line" { a = 1 }

provider "vault" {}
