{#- Households (main tenants), one-to-one with raw.relaties: every snapshot version. relatie_id is already a
    keyed-hash pseudonym (ingest). Income leaves staging only as a class; geboortedatum is kept in this view
    (never stored past raw) so that ages can be computed at the moment a fact is measured. iban_hash and
    bsn_hash are not needed and left out. -#}
with

source as (
    select * from {{ source('raw', 'relaties') }}
),

renamed as (
    select
        -- ids (pseudonymous)
        relatie_id,
        -- attributes
        geboortedatum,
        huishoudsamenstelling,
        cast(personen_aantal as integer) as personen_aantal,
        {{ inkomensklasse('bruto_jaarinkomen') }} as inkomensklasse,
        {{ jn('huurtoeslag') }} as huurtoeslag,

        -- history (per-extract snapshot versions) and lineage
        {{ raw_snapshot_columns() }}
    from source
)

select * from renamed
