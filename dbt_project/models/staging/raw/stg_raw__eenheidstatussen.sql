{#- Status periods of units, one-to-one with raw.eenheidstatussen: every snapshot version, status codes decoded. -#}
with

source as (
    select * from {{ source('raw', 'eenheidstatussen') }}
),

renamed as (
    select
        -- ids
        cast(eenheid_id as {{ dbt.type_string() }}) as eenheid_id,
        -- codes
        status,
        {{ code_naam('EENHEIDSTATUS', 'status') }} as status_naam,
        detailstatus,
        {{ code_naam('EENHEIDDETAILSTATUS', 'detailstatus') }} as detailstatus_naam,
        -- dates
        begindatum,
        einddatum,

        -- history (per-extract snapshot versions) and lineage
        {{ raw_snapshot_columns() }}
    from source
)

select * from renamed
