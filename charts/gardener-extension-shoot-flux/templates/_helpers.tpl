{{/* The name of every object of the release (one extension per seed, as Gardener deploys it). */}}
{{- define "shoot-flux.name" -}}
gardener-extension-shoot-flux
{{- end -}}

{{/*
The name of the cluster-scoped objects (ClusterRole, ClusterRoleBinding): Gardener's
`extensions.gardener.cloud:` prefix, and the release namespace, which is unique per installation
(gardenlet deploys each ControllerInstallation into its own `extension-…` namespace), so two
installations of this chart on one seed (e.g. for two extension classes) never share them.
*/}}
{{- define "shoot-flux.clusterName" -}}
extensions.gardener.cloud:shoot-flux:{{ .Release.Namespace }}
{{- end -}}

{{/* Selector labels: stable for the life of the release. */}}
{{- define "shoot-flux.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shoot-flux.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "shoot-flux.labels" -}}
{{ include "shoot-flux.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The container image reference. */}}
{{- define "shoot-flux.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
