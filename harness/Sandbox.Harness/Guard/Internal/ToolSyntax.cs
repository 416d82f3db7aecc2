namespace Sandbox.Harness.Guard.Internal;

/// <summary>What an argument of a known tool is, and so which rule judges it.</summary>
internal enum ArgKind
{
    /// <summary>A flag without a value.</summary>
    Switch,

    /// <summary>A value that is not an endpoint, context or file (a name, a number, a label): denylist checks only.</summary>
    Value,

    /// <summary>An endpoint the tool dials (a URL, host[:port] or unix socket): the full egress policy.</summary>
    Endpoint,

    /// <summary>A list of <c>host:port:host2...</c> (curl <c>--resolve</c>, <c>--connect-to</c>): every host gets the full egress policy.</summary>
    HostList,

    /// <summary>A kube context (or kubeconfig cluster) name: the <c>kubeContexts</c> rules.</summary>
    Context,

    /// <summary>A docker context name: only <c>default</c> (the sandbox's own docker config has no other).</summary>
    DockerContext,

    /// <summary>A docker CLI config folder: only the guard's own empty one.</summary>
    DockerConfig,

    /// <summary>A kubeconfig: only the sandbox's private one.</summary>
    Kubeconfig,

    /// <summary>A file or folder the tool opens: the file guard.</summary>
    File,

    /// <summary>A file the tool opens, after a leading <c>@</c> (curl <c>-d @FILE</c>, <c>-F name=@FILE</c>, <c>name@FILE</c>).</summary>
    Data,

    /// <summary>A docker/k3d volume <c>SRC:DST[:opts]</c>: a host path SRC goes through the file guard.</summary>
    Volume,

    /// <summary>A docker <c>--mount type=bind,source=SRC,...</c>: SRC goes through the file guard.</summary>
    Mount,

    /// <summary>A libpq connection string or URI: every host and address gets the full egress policy; files go through the file guard; a service is refused.</summary>
    ConnInfo,

    /// <summary>pg_ctl's <c>-o "OPTIONS"</c>: split and judged as arguments of <c>postgres</c>.</summary>
    PostgresOptions,

    /// <summary>k3d's <c>--api-port [HOST:]PORT</c>: a HOST gets the full egress policy.</summary>
    ApiPort,

    /// <summary>A flag the guard refuses outright (a program or config the tool would run or read).</summary>
    Refused,
}

/// <summary>
/// The command-line grammar of one tool as far as the guard needs it: every flag it accepts and
/// what its value is. A flag that is not in the table is refused: the guard does not start a tool
/// with an argument it cannot classify.
/// </summary>
/// <param name="Name">The tool.</param>
/// <param name="Flags">Every accepted flag spelling (<c>-x</c>, <c>--long</c>) and its kind.</param>
/// <param name="GoFlags">Go's flag package: <c>-name</c> and <c>--name</c> are the same long flag, and short flags do not cluster.</param>
/// <param name="Positional">What a positional argument is (curl's are URLs it dials).</param>
/// <param name="OperandEndsFlags">Subcommands after whose first operand the rest belongs to another program (docker run IMAGE CMD...).</param>
internal sealed record ToolSyntax(string Name, Dictionary<string, ArgKind> Flags, bool GoFlags = false, ArgKind Positional = ArgKind.Value, string[]? OperandEndsFlags = null)
{
    private static readonly Dictionary<string, ToolSyntax> ByProgram = Build();

    /// <summary>The syntax for a program file name, or null when the guard has no table for it (generic checks only).</summary>
    public static ToolSyntax? For(string program) => ByProgram.GetValueOrDefault(program);

    private static Dictionary<string, ToolSyntax> Build()
    {
        const ArgKind S = ArgKind.Switch, V = ArgKind.Value, E = ArgKind.Endpoint, F = ArgKind.File;

        static Dictionary<string, ArgKind> Table(params (string Spellings, ArgKind Kind)[] entries)
        {
            var d = new Dictionary<string, ArgKind>(StringComparer.Ordinal);
            foreach (var (spellings, kind) in entries)
            {
                foreach (var s in spellings.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    d[s] = kind;
                }
            }

            return d;
        }

        // docker: global flags and the flags of the subcommands the sandbox uses, in one table (a
        // flag whose meaning differs between subcommands is classed by the stricter meaning).
        var docker = new ToolSyntax("docker", Table(
            ("-H --host", E), ("--dns", E),
            ("-c --context", ArgKind.DockerContext), ("--config", ArgKind.DockerConfig),
            ("--tlscacert --tlscert --tlskey --env-file --label-file --cidfile --file -o --output -i --input --iidfile --secret", F),
            ("-v --volume --volumes-from", ArgKind.Volume), ("--mount", ArgKind.Mount),
            ("-f -D --debug --tls --tlsverify -d --detach --rm --privileged --init -a --all -q --quiet --no-trunc --force -s --size -P --publish-all --read-only --no-healthcheck --help --latest -l --follow --timestamps --pull --no-cache", S),
            ("--log-level --name --network --net --network-alias --label --format --filter --cap-add --cap-drop --signal -t --time --tail --since --until -e --env -p --publish --expose --entrypoint -w --workdir -u --user --restart --add-host --hostname -m --memory --cpus --shm-size --ulimit --health-cmd --health-interval --health-timeout --health-retries --health-start-period --stop-signal --stop-timeout --ipc --pid --userns --security-opt --tmpfs --type --driver --opt --ip --platform --attach --log-driver --log-opt --sysctl --device --group-add --gpus --tag", V)),
            OperandEndsFlags: ["run", "create", "exec"]);

        var kubectl = new ToolSyntax("kubectl", Table(
            ("-s --server", E),
            ("--context --cluster", ArgKind.Context), ("--kubeconfig", ArgKind.Kubeconfig),
            ("-f --filename -k --kustomize --certificate-authority --client-certificate --client-key --from-file --from-env-file --cache-dir", F),
            ("--token --token-file --as --as-group --as-uid --user --exec-command", ArgKind.Refused),
            ("--force --ignore-not-found --all -A --all-namespaces -p --previous -w --watch --show-labels --overwrite -i --stdin -t --tty --rm --no-headers --wait --recursive -R --insecure-skip-tls-verify --help -h --local --record --create-namespace --allow-missing-template-keys --cascade --now", S),
            ("-n --namespace -o --output --replicas --timeout --grace-period -l --selector -c --container --tail --dry-run --field-selector --for --type --from-literal --request-timeout -v --patch --sort-by --image --restart --port --address --template --since --limit-bytes --docker-server --docker-username --docker-password --docker-email --subresource --field-manager --server-side --revision", V)));

        var helm = new ToolSyntax("helm", Table(
            ("--kube-apiserver", E),
            ("--kube-context", ArgKind.Context), ("--kubeconfig", ArgKind.Kubeconfig),
            ("-f --values --ca-file --cert-file --key-file --kube-ca-file --repository-config --registry-config --repository-cache --keyring", F),
            ("--set-file", ArgKind.Data),
            ("--post-renderer --post-renderer-args --kube-token --kube-as-user --kube-as-group --plugins", ArgKind.Refused),
            ("--install --create-namespace --force-update --atomic --wait --wait-for-jobs --debug --dry-run --devel --reuse-values --reset-values --force --no-hooks --skip-crds --verify --insecure-skip-tls-verify --help -h --all --all-namespaces -A --dependency-update --pass-credentials --plain-http --skip-refresh", S),
            ("-n --namespace --version --set --set-string --set-json --set-literal --timeout -o --output --description --history-max --max -l --selector --username --password --repo --burst-limit --qps", V)));

        var k3d = new ToolSyntax("k3d", Table(
            ("--api-port", ArgKind.ApiPort),
            ("-c --config --registry-config -o --output", F),
            ("-v --volume", ArgKind.Volume),
            ("--kubeconfig-update-default --kubeconfig-switch-context --wait --no-lb --no-rollback --all -a --registry-create --overwrite --help -h --verbose --trace --keep-tools --keep-tarball --update -u -d", S),
            ("-s --servers --agents --image -i -p --port --k3s-arg --k3s-node-label --runtime-label -e --env --network --cluster --timeout --token --registry-use --servers-memory --agents-memory --subnet --host-alias --gpus --mode --lb-config-override --name", V)));

        var vault = new ToolSyntax("vault", Table(
            ("-address -agent-address", E),
            ("-config -ca-cert -ca-path -client-cert -client-key -log-file", F),
            ("-dev -tls-skip-verify -non-interactive -disable-redirection -output-curl-string -output-policy -recovery -status -reset -migrate -detailed -self -h -help -init -verify -no-store -non-interactive", S),
            ("-dev-root-token-id -dev-listen-address -log-level -log-format -format -field -namespace -ns -key-shares -key-threshold -pgp-keys -root-token-pgp-key -recovery-shares -recovery-threshold -recovery-pgp-keys -wrap-ttl -mfa -policy-override -header -tls-server-name -type -description -path -method -mount -version -nonce -period -ttl -policy -policies -display-name -orphan -renewable -explicit-max-ttl -use-limit -id -role -accessor -increment", V)),
            GoFlags: true);

        var initdb = new ToolSyntax("initdb", Table(
            ("-D --pgdata -X --waldir --pwfile", F),
            ("-N --no-sync -k --data-checksums -W --pwprompt -n --no-clean -s --show --sync-only -S", S),
            ("-U --username -A --auth --auth-host --auth-local -E --encoding --locale --lc-collate --lc-ctype --lc-messages --lc-monetary --lc-numeric --lc-time --locale-provider --icu-locale --text-search-config -T --wal-segsize -c --set", V)));

        var postgres = new ToolSyntax("postgres", Table(
            ("-D", F), ("-h", E), ("-k", F),
            ("-F -s -N", V), ("-B -c -C -d -p -S -r", V),
            // Single-user mode (postgres docs, "Options for Single-User Mode"): no socket is opened at all.
            ("--single", S)));

        var pgCtl = new ToolSyntax("pg_ctl", Table(
            ("-D --pgdata -l --log", F), ("-o --options", ArgKind.PostgresOptions),
            ("-w --wait -W --no-wait -s --silent -c --core-files", S),
            ("-t --timeout -m --mode -N -P -U -e -S", V)));

        var client = Table(
            ("-h --host", E), ("-d --dbname", ArgKind.ConnInfo),
            ("-f --file -o --output -L --log-file", F),
            ("-w --no-password -W --password -q --quiet -t --tuples-only -A --no-align -X --no-psqlrc -a --echo-all -e --echo-queries -b --echo-errors -E --echo-hidden -1 --single-transaction -x --expanded -s --single-step -S --single-line -n --no-readline -H --html --csv -0 --field-separator-zero -z --record-separator-zero --if-exists --clean -C --create --no-owner --no-privileges --schema-only --data-only", S),
            ("-p --port -U --username -c --command -v --set --variable -P --pset -F --field-separator -R --record-separator -T --table-attr --timeout --encoding --format -j --jobs --table --schema --exclude-table --exclude-schema", V));

        var curl = new ToolSyntax("curl", Table(
            ("-x --proxy --preproxy --socks4 --socks4a --socks5 --socks5-hostname --url --doh-url", E),
            ("--resolve --connect-to", ArgKind.HostList),
            ("-d --data --data-binary --data-ascii --data-urlencode --json -F --form -w --write-out", ArgKind.Data),
            ("-T --upload-file --cacert --capath -E --cert --key -o --output -D --dump-header -c --cookie-jar -b --cookie --netrc-file --trace --trace-ascii --stderr --unix-socket --abstract-unix-socket", F),
            ("-K --config -L --location --location-trusted -n --netrc --netrc-optional", ArgKind.Refused),
            ("-s --silent -S --show-error -f --fail --fail-with-body -k --insecure -v --verbose -i --include -I --head -g --globoff --compressed -4 --ipv4 -6 --ipv6 --http1.1 --http2 -N --no-buffer -# --progress-bar -G --get --no-keepalive --retry-all-errors -O --remote-name --create-dirs", S),
            ("-X --request -H --header -u --user -m --max-time --connect-timeout --retry --retry-delay --retry-max-time -A --user-agent -e --referer -r --range --limit-rate --max-filesize --noproxy -Y -y --speed-time --speed-limit", V)),
            Positional: E);

        var dotnet = new ToolSyntax("dotnet", Table(
            ("--results-directory -o --output -s --settings --diag --blame-hang-dump-type", F),
            ("--nologo --no-build --no-restore --blame --blame-crash --blame-hang --list-tests -t --no-dependencies --force --interactive --help -h --version --info", S),
            ("-c --configuration --filter --logger -l -v --verbosity -f --framework -r --runtime --arch --os --blame-hang-timeout --collect --environment -e --property -p", V)));

        var result = new Dictionary<string, ToolSyntax>(StringComparer.Ordinal)
        {
            ["docker"] = docker,
            ["kubectl"] = kubectl,
            ["helm"] = helm,
            ["k3d"] = k3d,
            ["vault"] = vault,
            ["bao"] = vault with { Name = "bao" },
            ["initdb"] = initdb,
            ["postgres"] = postgres,
            ["postmaster"] = postgres,
            ["pg_ctl"] = pgCtl,
            ["curl"] = curl,
            ["dotnet"] = dotnet,
        };
        foreach (var program in new[] { "psql", "pg_isready", "pg_dump", "pg_dumpall", "pg_restore", "createdb", "dropdb", "createuser", "dropuser", "pg_basebackup" })
        {
            result[program] = new ToolSyntax(program, client, Positional: program == "psql" ? ArgKind.ConnInfo : ArgKind.Value);
        }

        return result;
    }
}
