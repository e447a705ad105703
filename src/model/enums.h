// The names of the model's enums as they appear in configuration and canonical JSON
// ("non-production", "blue-green", "PassThrough"), and the store's kind names. Thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/entities.h"

namespace ferry::model {

template <typename E>
struct EnumEntry {
  E value;
  std::string_view name;
};

// One table per enum; specialised in enums.cc.
template <typename E>
std::span<const EnumEntry<E>> EnumTable();

template <>
std::span<const EnumEntry<Kind>> EnumTable<Kind>();
template <>
std::span<const EnumEntry<SecretSource>> EnumTable<SecretSource>();
template <>
std::span<const EnumEntry<CredentialsMode>> EnumTable<CredentialsMode>();
template <>
std::span<const EnumEntry<PackageType>> EnumTable<PackageType>();
template <>
std::span<const EnumEntry<TracingMode>> EnumTable<TracingMode>();
template <>
std::span<const EnumEntry<ServiceType>> EnumTable<ServiceType>();
template <>
std::span<const EnumEntry<EnvironmentType>> EnumTable<EnvironmentType>();
template <>
std::span<const EnumEntry<WorkflowStrategy>> EnumTable<WorkflowStrategy>();
template <>
std::span<const EnumEntry<FailureStrategy>> EnumTable<FailureStrategy>();
template <>
std::span<const EnumEntry<StepType>> EnumTable<StepType>();
template <>
std::span<const EnumEntry<ArtifactSelection>> EnumTable<ArtifactSelection>();
template <>
std::span<const EnumEntry<WebhookType>> EnumTable<WebhookType>();
template <>
std::span<const EnumEntry<NotificationEvent>> EnumTable<NotificationEvent>();

template <typename E>
std::string_view EnumName(E value) {
  for (const auto& e : EnumTable<E>()) {
    if (e.value == value) return e.name;
  }
  return "?";
}

template <typename E>
std::optional<E> ParseEnum(std::string_view name) {
  for (const auto& e : EnumTable<E>()) {
    if (e.name == name) return e.value;
  }
  return std::nullopt;
}

template <typename E>
std::vector<std::string> EnumNames() {
  std::vector<std::string> out;
  for (const auto& e : EnumTable<E>()) out.emplace_back(e.name);
  return out;
}

// The kind's name in the store's EntityKey ("cloud_provider", "service", ...). The YAML `kind:`
// uses EnumName<Kind> ("CloudProvider", "Service", ...).
std::string_view StoreKindName(Kind kind);
std::optional<Kind> KindFromStoreName(std::string_view name);

}  // namespace ferry::model
