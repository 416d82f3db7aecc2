using CliWrap;
using NUnit.Framework;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// Hostile command lines for every tool the harness starts — endpoint, context, config and file
/// flags in every spelling, mounts, data files, connection strings, Unicode spellings, shells —
/// each with the rule that must refuse it; and the honest command lines that must still start.
/// </summary>
[TestFixture]
public sealed class ChildArgumentCorpusTests
{
    private const string Deny = GuardRules.DefaultDeny;
    private const string Unknown = GuardRules.UnknownArgument;
    private const string Flag = GuardRules.RefusedFlag;
    private const string Shell = GuardRules.ShellCommand;
    private const string KillTarget = GuardRules.KillTarget;
    private const string Context = GuardRules.ForeignContext;
    private const string Kubeconfig = GuardRules.ForeignKubeconfig;
    private const string VaultHost = "hosts:vault.arcodange.lab";
    private const string LabLan = "addresses:192.168.1.0/24";
    private const string Canary = "addresses:127.0.0.2";
    private const string Arcodange = "kubeContexts:arcodange*";
    private const string Prod = "kubeContexts:prod";
    private const string VaultD = "files:/etc/vault.d/";
    private const string KeyFile = "files:~/.arcodange/cluster-keys.json";

    public static IEnumerable<TestCaseData> Hostile()
    {
        // kubectl
        yield return C("kubectl", "-s https://10.9.9.9:6443 get pods", Deny);
        yield return C("kubectl", "-shttps://10.9.9.9:6443 get pods", Deny);
        yield return C("kubectl", "-s=https://10.9.9.9:6443 get pods", Deny);
        yield return C("kubectl", "--server=https://10.9.9.9:6443 get pods", Deny);
        yield return C("kubectl", "get pods --server https://10.9.9.9:6443", Deny);
        yield return C("kubectl", "--server=https://vault.arcodange.lab:6443 get ns", VaultHost);
        yield return C("kubectl", "-s https://192.168.1.10:6443 get ns", LabLan);
        yield return C("kubectl", "-s vault.\u24D0rcodange.lab get ns", VaultHost);
        yield return C("kubectl", "get ns --server https://\uFF56\uFF41\uFF55\uFF4C\uFF54.arcodange.lab", VaultHost);
        yield return C("kubectl", "--server http://0x7f000002:6443 get ns", Canary);
        yield return C("kubectl", "-s unix:///etc/vault.d/api.sock get ns", VaultD);
        yield return C("kubectl", "--context admin@arcodange get ns", Arcodange);
        yield return C("kubectl", "--context=k3s-arcodange-admin get ns", Arcodange);
        yield return C("kubectl", "--cluster arcodange get ns", Arcodange);
        yield return C("kubectl", "--context admin@prod get pods", Prod);
        yield return C("kubectl", "--context prod-admin get pods", Prod);
        yield return C("kubectl", "config use-context admin@arcodange", Arcodange);
        yield return C("kubectl", "config use-context PROD", Prod);
        yield return C("kubectl", "--kubeconfig /root/.kube/config get pods", Kubeconfig);
        yield return C("kubectl", "--kubeconfig=/tmp/other/kubeconfig get pods", Kubeconfig);
        yield return C("kubectl", "get pods --token abc", Flag);
        yield return C("kubectl", "get pods --token-file /tmp/token", Flag);
        yield return C("kubectl", "get pods --as system:admin", Flag);
        yield return C("kubectl", "get pods --bogus-flag", Unknown);
        yield return C("kubectl", "-Z get pods", Unknown);
        yield return C("kubectl", "get pods -n", Unknown);
        yield return C("kubectl", "get pods -n --server=https://10.9.9.9", Unknown);
        yield return C("kubectl", "apply -f ~/.arcodange/cluster-keys.json", KeyFile);
        yield return C("kubectl", "apply -f/etc/vault.d/x.yaml", VaultD);
        yield return C("kubectl", "apply --filename=/etc/vault.d/x.yaml", VaultD);
        yield return C("kubectl", "create secret generic x --from-file=/etc/vault.d/key", VaultD);
        yield return C("kubectl", "apply -k ~/.arcodange", KeyFile);
        yield return C("kubectl", "--certificate-authority ~/.arcodange/cluster-keys.json get ns", KeyFile);

        // docker
        yield return C("docker", "-Htcp://10.9.9.9:2375 ps", Deny);
        yield return C("docker", "--host=tcp://10.9.9.9:2375 ps", Deny);
        yield return C("docker", "-H=tcp://10.9.9.9:2375 ps", Deny);
        yield return C("docker", "--host tcp://10.9.9.9:2375 ps", Deny);
        yield return C("docker", "-H ssh://user@10.9.9.9 ps", GuardRules.UnsupportedScheme);
        yield return C("docker", "-H ssh://admin@192.168.1.9 ps", LabLan);
        yield return C("docker", "-H tcp://vault.\u24D0rcodange.lab:2375 ps", VaultHost);
        yield return C("docker", "--context prod-docker ps", Context);
        yield return C("docker", "-c remote ps", Context);
        yield return C("docker", "-cremote ps", Context);
        yield return C("docker", "--context=remote ps", Context);
        yield return C("docker", "--config /tmp/evil-docker ps", Context);
        yield return C("docker", "run -v /etc/vault.d:/x alpine", VaultD);
        yield return C("docker", "run -v/etc/vault.d:/x alpine", VaultD);
        yield return C("docker", "run --volume=/etc/vault.d:/x:ro alpine", VaultD);
        yield return C("docker", "run -v ~/.arcodange:/keys alpine", KeyFile);
        yield return C("docker", "run -v /:/host alpine", KeyFile);
        yield return C("docker", "run -v ~:/home alpine", KeyFile);
        yield return C("docker", "run --mount type=bind,source=/etc/vault.d,target=/x alpine", VaultD);
        yield return C("docker", "run --mount type=bind,src=~/.arcodange,target=/x alpine", KeyFile);
        yield return C("docker", "run --env-file ~/.arcodange/cluster-keys.json alpine", KeyFile);
        yield return C("docker", "run --dns 192.168.1.1 alpine", LabLan);
        yield return C("docker", "run --dns 8.8.8.8 alpine", Deny);
        yield return C("docker", "--tlscacert /etc/vault.d/ca.pem ps", VaultD);
        yield return C("docker", "run --bogus alpine", Unknown);
        yield return C("docker", "run --add-host vault.arcodange.lab:127.0.0.1 alpine", VaultHost);
        yield return C("docker", "run -e VAULT_ADDR=https://vault.arcodange.lab alpine", VaultHost);

        // curl
        yield return C("curl", "-x http://192.168.1.9:3128 http://127.0.0.1:8200/", LabLan);
        yield return C("curl", "-x http://10.9.9.9:3128 http://127.0.0.1:8200/", Deny);
        yield return C("curl", "-xhttp://10.9.9.9:3128 http://127.0.0.1:8200/", Deny);
        yield return C("curl", "--proxy=socks5://10.9.9.9:1080 http://127.0.0.1/", GuardRules.UnsupportedScheme);
        yield return C("curl", "--socks5-hostname 10.9.9.9:1080 http://127.0.0.1/", Deny);
        yield return C("curl", "--preproxy http://10.9.9.9:3128 http://127.0.0.1/", Deny);
        yield return C("curl", "-d @/etc/vault.d/vault.hcl http://127.0.0.1:8200/", VaultD);
        yield return C("curl", "-d@/etc/vault.d/vault.hcl http://127.0.0.1:8200/", VaultD);
        yield return C("curl", "--data-binary @~/.arcodange/cluster-keys.json http://127.0.0.1/", KeyFile);
        yield return C("curl", "--data-urlencode key@~/.arcodange/cluster-keys.json http://127.0.0.1/", KeyFile);
        yield return C("curl", "-F file=@/etc/vault.d/vault.hcl http://127.0.0.1/", VaultD);
        yield return C("curl", "-F file=</etc/vault.d/vault.hcl http://127.0.0.1/", VaultD);
        yield return C("curl", "-T /etc/vault.d/vault.hcl http://127.0.0.1/", VaultD);
        yield return C("curl", "-o ~/.arcodange/cluster-keys.json http://127.0.0.1/", KeyFile);
        yield return C("curl", "-w @/etc/vault.d/format http://127.0.0.1/", VaultD);
        yield return C("curl", "-b /etc/vault.d/cookies http://127.0.0.1/", VaultD);
        yield return C("curl", "--unix-socket /etc/vault.d/s http://x/", VaultD);
        yield return C("curl", "-K /tmp/curlrc http://127.0.0.1/", Flag);
        yield return C("curl", "--config=/tmp/curlrc http://127.0.0.1/", Flag);
        yield return C("curl", "-L http://127.0.0.1:8200/", Flag);
        yield return C("curl", "-sL http://127.0.0.1:8200/", Flag);
        yield return C("curl", "--location-trusted http://127.0.0.1:8200/", Flag);
        yield return C("curl", "--netrc http://127.0.0.1:8200/", Flag);
        yield return C("curl", "http://10.9.9.9/", Deny);
        yield return C("curl", "--url http://10.9.9.9/", Deny);
        yield return C("curl", "http://example.com/", Deny);
        yield return C("curl", "--resolve vault.local:443:192.168.1.5 https://vault.local/", LabLan);
        yield return C("curl", "--resolve x.sbx:443:10.9.9.9 http://127.0.0.1/", Deny);
        yield return C("curl", "--connect-to ::10.9.9.9:8200 http://127.0.0.1:8200/", Deny);
        yield return C("curl", "https://vault.\u24D0rcodange.lab/", VaultHost);
        yield return C("curl", "http://\u24E5\u24D0\u24E4\u24DB\u24E3.arcodange.lab/", VaultHost);
        yield return C("curl", "http://vault.arcodange.lab\u3002/", VaultHost);
        yield return C("curl", "http://\U0001D42F\U0001D41A\U0001D42E\U0001D425\U0001D42D.arcodange.lab/", VaultHost);
        yield return C("curl", "--bogus http://127.0.0.1/", Unknown);

        // vault (Go flags: -name and --name are one flag)
        yield return C("vault", "status --address=http://10.9.9.9:8200", Deny);
        yield return C("vault", "status -address http://10.9.9.9:8200", Deny);
        yield return C("vault", "status -agent-address=http://10.9.9.9:8100", Deny);
        yield return C("vault", "server -config=/etc/vault.d/vault.hcl", VaultD);
        yield return C("vault", "server --config /etc/vault.d/vault.hcl", VaultD);
        yield return C("vault", "status -ca-cert=~/.arcodange/cluster-keys.json", KeyFile);
        yield return C("vault", "status -bogus", Unknown);
        yield return C("vault", "status -address=http://vault.\u24D0rcodange.lab:8200", VaultHost);
        yield return C("vault", "status -address=http://[fd00::1]:8200", "addresses:fd00::/8");
        yield return C("vault", "status -address=http://localhost.arcodange.lab:8200", "hosts:*.arcodange.lab");

        // helm
        yield return C("helm", "--kube-apiserver https://10.9.9.9:6443 list", Deny);
        yield return C("helm", "--kube-context admin@arcodange list", Arcodange);
        yield return C("helm", "list --kube-context=prod", Prod);
        yield return C("helm", "install x chart -f /etc/vault.d/values.yaml", VaultD);
        yield return C("helm", "install x chart -f/etc/vault.d/values.yaml", VaultD);
        yield return C("helm", "install x chart --values=/etc/vault.d/values.yaml", VaultD);
        yield return C("helm", "install x chart --set-file k=/etc/vault.d/v", VaultD);
        yield return C("helm", "install x chart --post-renderer ./render", Flag);
        yield return C("helm", "install x chart --kube-token abc", Flag);
        yield return C("helm", "list --kubeconfig ~/.kube/config", Kubeconfig);
        yield return C("helm", "install x chart --bogus", Unknown);
        yield return C("helm", "repo add evil https://gitea.arcodange.lab/api/packages", "hosts:gitea.arcodange.lab");

        // k3d
        yield return C("k3d", "cluster create x --kubeconfig-update-default=false --kubeconfig-switch-context=false --api-port 10.9.9.9:6550", Deny);
        yield return C("k3d", "cluster create x --kubeconfig-update-default=false --kubeconfig-switch-context=false -v /etc/vault.d:/x@server:0", VaultD);
        yield return C("k3d", "cluster create x --kubeconfig-update-default=false --kubeconfig-switch-context=false -v ~/.arcodange:/keys", KeyFile);
        yield return C("k3d", "cluster create x -c /etc/vault.d/k3d.yaml --kubeconfig-update-default=false --kubeconfig-switch-context=false", VaultD);
        yield return C("k3d", "kubeconfig merge x --kubeconfig-switch-context", Kubeconfig);
        yield return C("k3d", "cluster create x --kubeconfig-update-default=true --kubeconfig-switch-context=false", Kubeconfig);
        yield return C("k3d", "cluster create x --kubeconfig-update-default=false --kubeconfig-switch-context=false --bogus", Unknown);

        // PostgreSQL's programs
        yield return C("psql", "-h 10.9.9.9 -U app", Deny);
        yield return C("psql", "-h10.9.9.9 -U app", Deny);
        yield return C("psql", "--host 10.9.9.9", Deny);
        yield return C("psql", "\"host=10.9.9.9 dbname=app\"", Deny);
        yield return C("psql", "\"hostaddr=192.168.1.5\"", LabLan);
        yield return C("psql", "\"host=127.0.0.1,10.9.9.9\"", Deny);
        yield return C("psql", "\"host='10.9.9.9'\"", Deny);
        yield return C("psql", "\"host = 10.9.9.9\"", Deny);
        yield return C("psql", "\"service=prod\"", GuardRules.ConnectionParameter);
        yield return C("psql", "\"servicefile=/tmp/pg_service.conf service=a\"", GuardRules.ConnectionParameter);
        yield return C("psql", "\"host=127.0.0.1 sslrootcert=/etc/vault.d/ca.pem\"", VaultD);
        yield return C("psql", "-d postgresql://app@10.9.9.9:5432/app", Deny);
        yield return C("psql", "postgresql://app@127.0.0.1,10.9.9.9/app", Deny);
        yield return C("psql", "postgresql:///app?host=10.9.9.9", Deny);
        yield return C("psql", "postgresql://[fd00::5]/app", "addresses:fd00::/8");
        yield return C("psql", "-d \"host=prod-db.internal\"", "hosts:prod-db.internal");
        yield return C("psql", "--dbname=host=10.9.9.9", Deny);
        yield return C("psql", "-f /etc/vault.d/x.sql", VaultD);
        yield return C("psql", "--bogus", Unknown);
        yield return C("pg_isready", "-h 10.9.9.9", Deny);
        yield return C("pg_dump", "-h 10.9.9.9 app", Deny);
        yield return C("pg_ctl", "-D /tmp/x -o \"-h 10.9.9.9\" start", Deny);
        yield return C("pg_ctl", "-D /etc/vault.d start", VaultD);
        yield return C("pg_ctl", "-D /tmp/x -l ~/.arcodange/cluster-keys.json start", KeyFile);
        yield return C("initdb", "-D /tmp/x --pwfile ~/.arcodange/cluster-keys.json", KeyFile);
        yield return C("initdb", "-D /tmp/x --bogus", Unknown);

        // shells and interpreters: never with a command string or a script
        yield return C("sh", "-c true", Shell);
        yield return C("/bin/sh", "-c \"curl http://127.0.0.1:8200\"", Shell);
        yield return C("bash", "-c true", Shell);
        yield return C("/bin/bash", "-lc true", Shell);
        yield return C("bash", "./deploy.sh", Shell);
        yield return C("dash", "-c true", Shell);
        yield return C("python3", "-c \"print(1)\"", Shell);
        yield return C("node", "-e \"require('http').get('http://10.9.9.9')\"", Shell);
        yield return C("node", "--eval=1", Shell);
        yield return C("perl", "-e 1", Shell);
        yield return C("python3", "", Shell);
        yield return C("node", "/etc/vault.d/evil.js", VaultD);
        yield return C("env", "curl http://10.9.9.9/", Shell);
        yield return C("timeout", "5 curl http://10.9.9.9/", Shell);
        yield return C("nohup", "vault server -dev", Shell);
        yield return C("xargs", "curl", Shell);
        yield return C("sudo", "-u postgres psql", Shell);
        yield return C("runuser", "-u postgres -- sh -c \"psql -h 192.168.1.5\"", Shell);
        yield return C("/bin/sh", "-c \"log=$1; true\" x /tmp/log vault", Shell);

        // kill (procps-ng kill(1)): pids and process groups only, never every process, the caller's group, a job or a name
        yield return C("kill", "-s TERM -1", KillTarget);
        yield return C("kill", "-9 -1", KillTarget);
        yield return C("kill", "-KILL 0", KillTarget);
        yield return C("kill", "--signal=TERM -- 0", KillTarget);
        yield return C("kill", "-- -1", KillTarget);
        yield return C("kill", "-s TERM 4242 -1", KillTarget);
        yield return C("kill", "-s TERM -0", KillTarget);
        yield return C("kill", "-s KILL %1", KillTarget);
        yield return C("kill", "-s TERM vault", KillTarget);
        yield return C("kill", "-s TERM 0x10", KillTarget);
        yield return C("kill", "-s TERM", KillTarget);
        yield return C("kill", "-1", KillTarget);
        yield return C("kill", "-s BOGUS 4242", Unknown);
        yield return C("kill", "-s 65 4242", Unknown);
        yield return C("kill", "-q 1 4242", Unknown);
        yield return C("kill", "-p 4242", Unknown);
        yield return C("kill", "-a -s TERM vault", Unknown);
        yield return C("kill", "--timeout 1000 KILL 4242", Unknown);
        yield return C("/usr/bin/kill", "-s TERM -1", KillTarget);
        yield return C("runuser", "-u postgres -- kill -9 -1", KillTarget);

        // chown (GNU coreutils chown(1)): OWNER[:GROUP] then files, each through the file guard; -R judges the whole tree
        yield return C("chown", "-R postgres:postgres /etc", VaultD);
        yield return C("chown", "--recursive postgres /etc", VaultD);
        yield return C("chown", "-Rh postgres /", KeyFile);
        yield return C("chown", "-R postgres ~", KeyFile);
        yield return C("chown", "-R postgres /tmp/sbx-run/pg/../../../etc", VaultD);
        yield return C("chown", "postgres /etc/vault.d/vault.hcl", VaultD);
        yield return C("chown", "postgres:postgres ~/.arcodange/cluster-keys.json", KeyFile);
        yield return C("chown", "--reference=/etc/vault.d/vault.hcl /tmp/sbx-run/pg", VaultD);
        yield return C("chown", "--reference ~/.arcodange/cluster-keys.json /tmp/sbx-run/pg", KeyFile);
        yield return C("chown", "-R --no-preserve-root postgres /tmp/sbx-run/pg", Flag);
        yield return C("chown", "-RL postgres /tmp/sbx-run/pg", Flag);
        yield return C("chown", "-L -R postgres /tmp/sbx-run/pg", Flag);
        yield return C("chown", "--bogus postgres /tmp/sbx-run/pg", Unknown);
        yield return C("chown", "-Z postgres /tmp/sbx-run/pg", Unknown);
        yield return C("chown", "--from postgres /tmp/sbx-run/pg", Unknown);
        yield return C("chown", "postgres", GuardRules.InvalidTarget);
        yield return C("chown", "post@gres /tmp/sbx-run/pg", GuardRules.InvalidTarget);
        yield return C("chown", "-R", GuardRules.InvalidTarget);
        yield return C("runuser", "-u postgres -- chown -R postgres /etc", VaultD);

        // more spellings across the tools
        yield return C("kubectl", "--server=https://10.43.0.10:6443 get ns", "addresses:10.43.0.10");
        yield return C("kubectl", "-s https://[::ffff:192.168.1.5]:6443 get ns", LabLan);
        yield return C("kubectl", "--context=ARCODANGE get ns", Arcodange);
        yield return C("kubectl", "--cluster=admin@prod get ns", Prod);
        yield return C("docker", "-H tcp://127.0.0.2:2375 ps", Canary);
        yield return C("docker", "-H tcp://0.0.0.0:2375 ps", Deny);
        yield return C("docker", "run -v /etc/vault.d/:/x alpine", VaultD);
        yield return C("docker", "run -v /etc:/x alpine", VaultD);
        yield return C("docker", "run --mount type=bind,source=/etc,target=/x alpine", VaultD);
        yield return C("curl", "-x http://127.0.0.2:3128 http://127.0.0.1/", Canary);
        yield return C("curl", "http://localhost:8300/v1/sys/seal", "urls:http://127.0.0.1:8300/v1/sys/");
        yield return C("curl", "-d @~/.arcodange/cluster-keys.json http://127.0.0.1/", KeyFile);
        yield return C("curl", "--cacert /etc/vault.d/ca.pem https://127.0.0.1/", VaultD);
        yield return C("vault", "status -address=https://127.0.0.2:8200", Canary);
        yield return C("vault", "status -address=http://0.0.0.0:8200", Deny);
        yield return C("vault", "login -address=http://example.com", Deny);
        yield return C("helm", "--kube-apiserver=https://192.168.1.10:6443 list", LabLan);
        yield return C("helm", "list --kube-context arcodange-prod", Arcodange);
        yield return C("k3d", "cluster create x --kubeconfig-update-default=false --kubeconfig-switch-context=false --api-port 192.168.1.10:6550", LabLan);
        yield return C("psql", "-h 127.0.0.2 -p 5432", Canary);
        yield return C("psql", "\"host=localhost hostaddr=10.9.9.9\"", Deny);
        yield return C("pg_isready", "-d \"host=10.9.9.9\"", Deny);
        yield return C("initdb", "-D /etc/vault.d/pg", VaultD);
        yield return C("pg_ctl", "-D /tmp/x -o \"-k /etc/vault.d\" start", VaultD);
        yield return C("dotnet", "test x --results-directory /etc/vault.d", VaultD);

        // dotnet
        yield return C("dotnet", "test x --settings /etc/vault.d/x.runsettings", VaultD);
        yield return C("dotnet", "test x --bogus", Unknown);
    }

    public static IEnumerable<TestCaseData> Honest()
    {
        yield return A("kubectl", "get ns prod");
        yield return A("kubectl", "--kubeconfig /tmp/sbx-run/kubeconfig --context k3d-sbx-1 get pods -n tools");
        yield return A("kubectl", "-n tools delete pod vault-0 --grace-period=0 --force --ignore-not-found");
        yield return A("kubectl", "apply -f -");
        yield return A("kubectl", "-s https://127.0.0.1:6550 get ns");
        yield return A("docker", "-c default ps");
        yield return A("docker", "run -d --name sbx --network host -v sbx-data:/data --label sandbox.managed=true img:1 server -config=/sandbox/vault.hcl");
        yield return A("docker", "rm -f -v sbx");
        yield return A("docker", "ps -a --filter label=sandbox.managed=true --format {{.ID}}");
        yield return A("curl", "-d @/tmp/sbx-run/body.json http://127.0.0.1:8200/v1/sys/init");
        yield return A("curl", "-sS http://localhost:8200/v1/sys/health");
        yield return A("psql", "\"host=/tmp/sbx-run port=5432 dbname=app\"");
        yield return A("psql", "\"host=127.0.0.1 dbname=app\"");
        yield return A("psql", "postgresql://app@127.0.0.1:5432/app?sslmode=disable");
        yield return A("pg_ctl", "start -D /tmp/sbx-run/pg -l /tmp/sbx-run/pg.log -w -t 30");
        yield return A("initdb", "-D /tmp/sbx-run/pg -U postgres --pwfile /tmp/sbx-run/pw --auth scram-sha-256 -E UTF8 --locale C --no-sync");
        yield return A("postgres", "--single -D /tmp/sbx-run/pg/data -c fsync=off postgres");
        yield return A("helm", "upgrade --install vault hashicorp/vault --version 0.28.0 --namespace tools --create-namespace --values /tmp/sbx-run/values.yaml --set server.image.tag=1.17");
        yield return A("k3d", "cluster create --config /tmp/sbx-run/k3d.yaml --kubeconfig-update-default=false --kubeconfig-switch-context=false");
        yield return A("vault", "operator init -address=http://127.0.0.1:8200 -key-shares=1 -key-threshold=1 -format=json");
        yield return A("node", "compat.js /tmp/sbx-run/input.json");
        yield return A("/usr/bin/env", "");
        yield return A("kill", "-s TERM 4242");
        yield return A("kill", "-s KILL 4242");
        yield return A("kill", "-s QUIT 4242 4243");
        yield return A("kill", "-9 4242");
        yield return A("kill", "-SIGKILL 4242");
        yield return A("kill", "-term 4242");
        yield return A("kill", "--signal=INT 4242");
        yield return A("kill", "--signal HUP 4242");
        yield return A("kill", "-s RTMIN+1 4242");
        yield return A("kill", "-s 0 4242");
        yield return A("kill", "4242");
        yield return A("kill", "-TERM -- -4242");
        yield return A("chown", "-R postgres:postgres /tmp/sbx-run/pg");
        yield return A("chown", "postgres:postgres /tmp/sbx-run/pg/data/postgresql.auto.conf");
        yield return A("chown", "-Rh postgres: /tmp/sbx-run/pg");
        yield return A("chown", ":postgres /tmp/sbx-run/pg");
        yield return A("chown", "--from=root:root -R 999:999 /tmp/sbx-run/pg");
        yield return A("chown", "--reference=/tmp/sbx-run/pg /tmp/sbx-run/pg/data");
        yield return A("chown", "-R -- postgres /tmp/sbx-run/pg");
        yield return A("chown", "-R postgres /etc/ssl/private/sbx");
        yield return A("dotnet", "test scenarios/Sandbox.Scenarios -c Release --nologo --filter Category=x --logger \"console;verbosity=normal\"");
    }

    [TestCaseSource(nameof(Hostile))]
    [CancelAfter(10000)]
    public void HostileCommandLine_IsRefusedWithItsRule(string program, string arguments, string rule, CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();

        var ex = Assert.Throws<GuardBlockedException>(() => guard.GuardCommand(Cli.Wrap(program).WithArguments(arguments), "child-corpus", "/tmp/sbx-run/kubeconfig"))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Decision.Rule, Is.EqualTo(rule), ex.Message);
            Assert.That(guard.Audit.Entries[^1].Allowed, Is.False);
            Assert.That(guard.Audit.Entries[^1].Rule, Is.EqualTo(rule));
        });
    }

    [TestCaseSource(nameof(Honest))]
    [CancelAfter(10000)]
    public void HonestCommandLine_Starts(string program, string arguments, CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();

        var command = guard.GuardCommand(Cli.Wrap(program).WithArguments(arguments), "child-corpus", "/tmp/sbx-run/kubeconfig");

        Assert.That(command.Arguments, Is.EqualTo(arguments));
    }

    [Test]
    [CancelAfter(10000)]
    public void ProductionWordAsAnOrdinaryArgument_IsNotCalledAKubeContext(CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();

        Assert.DoesNotThrow(() => guard.GuardCommand(Cli.Wrap("kubectl").WithArguments("get ns prod"), "t", "/tmp/sbx-run/kubeconfig"));
        var ex = Assert.Throws<GuardBlockedException>(() => guard.GuardCommand(Cli.Wrap("psql").WithArguments(["host=192.168.1.5 dbname=app"]), "t"))!;
        Assert.That(ex.Message, Does.Contain("192.168.1.5").And.Contain(LabLan));
    }

    private static TestCaseData C(string program, string arguments, string rule) =>
        new TestCaseData(program, arguments, rule).SetArgDisplayNames($"{program} {arguments} => {rule}");

    private static TestCaseData A(string program, string arguments) =>
        new TestCaseData(program, arguments).SetArgDisplayNames($"{program} {arguments}");
}
